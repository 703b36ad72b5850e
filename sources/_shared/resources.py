"""Lets one resource fail on its own without stopping the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sources._shared.context import RunContext
from sources._shared.errors import ProviderError

logger = logging.getLogger("sources")


@contextmanager
def isolate_failure(context: RunContext, provider: str, resource: str,
                    when: Callable[[ProviderError], bool]) -> Iterator[None]:
    """Records a matching error as this resource's failure and lets extraction go on.

    What the resource yielded before the error is loaded; its incremental cursor then
    stands at the last record yielded (results are ordered by the cursor), so nothing is
    skipped on the next run. The runner raises :class:`ProviderPartialFailure` after the load.
    """
    try:
        yield
    except ProviderError as error:
        if not when(error):
            raise
        context.record_failure(f"{provider}/{resource}", str(error))
        logger.error("%s", error)
