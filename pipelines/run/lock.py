"""One writer per pipeline: a lock file next to the pipeline's working directory.

Two runs of the same pipeline at once would race on dlt's working directory (extracted and
normalized packages, the local state) and on the warehouse. :class:`PipelineLock` takes an
exclusive OS lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on
``<pipelines_dir>/<pipeline_name>.lock``. The OS drops the lock when the holder dies, even on
SIGKILL, so a crashed run never leaves a stale lock behind. A second run refuses with a
message naming the holder, or waits for it when asked.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from dlt.common.pipeline import get_dlt_pipelines_dir

POLL_SECONDS = 0.1

logger = logging.getLogger("pipelines.run.lock")


class PipelineLockedError(RuntimeError):
    """Another process runs the same pipeline; this one did not start.

    Attributes:
        pipeline_name: The locked pipeline.
        path: The lock file.
        holder: What the holder wrote into the lock file (pid, host, start time, command), if readable.
    """

    def __init__(self, pipeline_name: str, path: Path, holder: dict[str, Any], waited: float | None = None) -> None:
        self.pipeline_name = pipeline_name
        self.path = path
        self.holder = holder
        who = describe_holder(holder)
        if waited is None:
            action = "Wait for it to finish, or run with --wait to queue behind it"
            head = f"another run of pipeline {pipeline_name!r} is in progress ({who})"
        else:
            action = "It is still running; try again later or raise --wait-timeout"
            head = f"gave up after waiting {waited:.0f}s for another run of pipeline {pipeline_name!r} ({who})"
        super().__init__(f"{head}; lock file {path}. {action}")


def describe_holder(holder: dict[str, Any]) -> str:
    """``pid 123 on host, started 2026-11-20T12:00:00Z`` from the lock file's content."""
    if not holder.get("pid"):
        return "holder unknown"
    text = f"pid {holder['pid']}"
    if holder.get("host"):
        text += f" on {holder['host']}"
    if holder.get("started_at"):
        text += f", started {holder['started_at']}"
    return text


def lock_path(pipelines_dir: str | None, pipeline_name: str) -> Path:
    """``<pipelines_dir>/<pipeline_name>.lock``, next to the pipeline's working directory."""
    return Path(pipelines_dir or get_dlt_pipelines_dir()) / f"{pipeline_name}.lock"


class PipelineLock:
    """An exclusive, crash-safe lock for one pipeline.

    Use as a context manager::

        with PipelineLock(path, "hollyhr").acquire(wait=False):
            pipeline.run(source)

    Args:
        path: The lock file; its directory is created when missing.
        pipeline_name: Named in messages.
    """

    def __init__(self, path: Path, pipeline_name: str) -> None:
        self.path = path
        self.pipeline_name = pipeline_name
        self._file: IO[str] | None = None

    @classmethod
    def for_pipeline(cls, pipelines_dir: str | None, pipeline_name: str) -> PipelineLock:
        """The lock of `pipeline_name` in `pipelines_dir` (dlt's default when None)."""
        return cls(lock_path(pipelines_dir, pipeline_name), pipeline_name)

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._file is not None

    def acquire(self, wait: bool = False, timeout: float | None = None) -> PipelineLock:
        """Takes the lock.

        Args:
            wait: Block until the other run finishes instead of refusing at once.
            timeout: With `wait`, give up after this many seconds (None: wait as long as it takes).

        Returns:
            self, so that ``with lock.acquire(): ...`` works.

        Raises:
            PipelineLockedError: the lock is held by another process (and `wait` is off or timed out).
        """
        if self._file is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while the lock is held
        started = time.monotonic()
        announced = False
        try:
            while not _try_lock(handle):
                waited = time.monotonic() - started
                if not wait:
                    raise PipelineLockedError(self.pipeline_name, self.path, self._read_holder())
                if not announced:
                    announced = True
                    logger.warning("another run of pipeline %r is in progress (%s); waiting for it (lock file %s)",
                                   self.pipeline_name, describe_holder(self._read_holder()), self.path)
                if timeout is not None and waited >= timeout:
                    raise PipelineLockedError(self.pipeline_name, self.path, self._read_holder(), waited=waited)
                time.sleep(POLL_SECONDS)
        except BaseException:
            handle.close()
            raise
        self._file = handle
        self._write_holder()
        return self

    def release(self) -> None:
        """Releases the lock; the file stays (removing it would race with a waiting process)."""
        if self._file is None:
            return
        handle, self._file = self._file, None
        try:
            handle.seek(0)
            handle.truncate()
            handle.flush()
        except OSError:
            pass
        _unlock(handle)
        handle.close()

    def __enter__(self) -> PipelineLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def _write_holder(self) -> None:
        assert self._file is not None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:3])),
        }
        self._file.seek(0)
        self._file.truncate()
        self._file.write(json.dumps(holder))
        self._file.flush()

    def _read_holder(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
            value = json.loads(text) if text.strip() else {}
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
