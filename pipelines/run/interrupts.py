"""What an interruption is to the run path: Ctrl-C (and what dlt makes of it), and the line and exit code it ends in.

Kept free of heavy imports: the console script (:mod:`pipelines.cli.entry`) imports it before dlt loads.
"""

from __future__ import annotations

INTERRUPTED = "hr-elt: interrupted: nothing partial was marked done; the next run resumes"
"""True of every run: dlt commits a resource's state only inside a finished load package, and the run
path first loads the packages an interrupted run left pending (``pipelines.run.runner``)."""

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a process ended by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM: a run stopped by SIGTERM (gracefully, at a checkpoint, or at once)

TERMINATED_LINE = ("hr-elt: stopped by SIGTERM at a checkpoint: everything read up to it is loaded and "
                   "recorded; the next run resumes from there")


def raise_if_interrupted(exc: BaseException) -> None:
    """Raises KeyboardInterrupt when `exc` (e.g. dlt's PipelineStepFailed) stands for a Ctrl-C.

    dlt intercepts SIGINT while it normalizes and loads, drains its job pool and wraps the signal
    into the step's error; that is an interruption, not a failure.
    """
    if is_interruption(exc):
        raise KeyboardInterrupt from exc


def is_interruption(exc: BaseException) -> bool:
    """Whether `exc` is a Ctrl-C, or an error dlt made of one (its ``exception``, cause or context chain)."""
    return any(isinstance(e, KeyboardInterrupt) for e in wrapped_chain(exc))


def wrapped_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception inside it, each once (cycles cut).

    Inside means dlt's wrapped ``exception`` (``PipelineStepFailed``), the cause and the context.
    """
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        inner = getattr(current, "exception", None)
        todo += [e for e in (inner, current.__cause__, current.__context__) if isinstance(e, BaseException)]
    return seen
