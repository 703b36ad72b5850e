"""The hr-elt app over the vendor sources.

The run path (``run/``), what watches a run (``observe/``), reports (``report/``), the composition root
(``app.py``) and the ``hr-elt`` command (``cli/``), with dbt and webhooks beside it.
"""
