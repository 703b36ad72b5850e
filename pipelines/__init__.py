"""The hr-elt app over the vendor sources: the run path (``run/``), what watches a run (``observe/``), reports
(``report/``), the composition root (``app.py``), and the ``hr-elt`` command (``cli/``), dbt and webhooks beside it."""
