"""What the three vendor sources share: HTTP client, retries, pacing, errors, redaction, incremental helpers."""

from sources._shared.errors import ProviderError

__all__ = ["ProviderError"]
