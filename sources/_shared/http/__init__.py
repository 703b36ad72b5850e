"""The HTTP layer every vendor uses, on dlt's RESTClient and stock requests.

* :mod:`.settings`: the five HTTP settings, declared and validated once.
* :mod:`.profile`: how a vendor spells its errors.
* :mod:`.session`: dlt's requests session with retries, pacing, counting, the foreign-host guard.
* :mod:`.client`: dlt's RESTClient raising the vendor's errors.
* :mod:`.retry`: the retry policy (full jitter, Retry-After, final errors).
* :mod:`.pacing`: staying under a vendor's rate limit.
* :mod:`.paginators`: paginator behaviour shared by the vendors' paginators.
* :mod:`.redaction`: secrets kept out of logs and messages.
"""
