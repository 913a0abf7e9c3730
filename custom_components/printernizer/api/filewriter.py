"""Write a received stream to a file from one worker thread, while the event loop receives.

Why: handing every block to the executor and waiting for it before the next one serialises
receiving with writing (and with the caller's per-block work, a sha256); with a single writer
fed by a bounded queue, the loop receives block n+1 while the thread writes and hashes block
n. Measured on a 200 MB PrusaLink download with its sha256: 0.67-0.79x the throughput of a
plain aiohttp copy the first way, 0.80-0.94x this way (docs/benchmarks.md).

The thread owns the file from open to close: it creates `dest`, writes each chunk, passes it
to `on_block`, and removes `dest` itself when the write is aborted or fails, so a caller that
gives up (cancellation included) never leaves a partial file behind, even if the thread
finishes after the caller has returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import pathlib
import queue
from types import TracebackType
from typing import Self

type OnBlock = Callable[[bytes | bytearray | memoryview], None]
"""Called in the writer thread with each block right after it is written, in file order."""

DEFAULT_MAX_PENDING = 8 * 1024 * 1024


class ThreadedFileWriter:
    """`async with ThreadedFileWriter(dest) as writer: await writer.write(chunk)`.

    A normal exit waits until every chunk is on disk and the file is closed; an exit by
    exception tells the thread to stop and remove the file. At most `max_pending` bytes wait
    in memory: `write` waits for the thread beyond that. An error in the thread (a full disk,
    `on_block` raising) is raised by the next `write` or by the exit.
    """

    def __init__(
        self,
        dest: pathlib.Path,
        *,
        on_block: OnBlock | None = None,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        """Prepare a writer for `dest` (in the event loop); nothing runs before `async with`."""
        self._dest = dest
        self._on_block = on_block
        self._max_pending = max_pending
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._loop = asyncio.get_running_loop()
        self._job: asyncio.Future[None] | None = None  # the thread, once started
        # Shared with the thread. Each field has one writer (the loop or the thread), and
        # int and reference assignments are atomic in CPython, so no lock is needed.
        self._queued = 0  # bytes handed over (loop)
        self._written = 0  # bytes written (thread)
        self._aborted = False  # loop
        self._error: BaseException | None = None  # thread
        self._complete = False  # thread: closed the whole file, not aborted
        self._space: asyncio.Future[None] | None = None  # loop: waiting for the thread

    async def __aenter__(self) -> Self:
        """Start the writer thread (an executor job for the whole file)."""
        self._job = self._loop.run_in_executor(None, self._run)
        return self

    def _started(self) -> asyncio.Future[None]:
        if self._job is None:
            raise RuntimeError("ThreadedFileWriter is used with `async with`")
        return self._job

    async def write(self, chunk: bytes) -> None:
        """Queue `chunk`; wait while more than `max_pending` bytes are not yet written."""
        job = self._started()
        self._raise_error()
        self._queue.put(chunk)
        self._queued += len(chunk)
        while self._queued - self._written > self._max_pending and self._error is None:
            self._space = self._loop.create_future()
            # the thread may have caught up between the check and the future: check again
            if self._queued - self._written > self._max_pending and not job.done():
                await self._space
            self._space = None
        self._raise_error()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Finish the file, or on an exception make the thread stop and remove it."""
        job = self._started()
        if exc_type is None:
            self._queue.put(None)
            try:
                await asyncio.shield(job)
            except BaseException:
                await self._abort(remove_complete=True)  # cancelled while finishing
                raise
            self._raise_error()
            return
        await self._abort(remove_complete=False)

    async def _abort(self, *, remove_complete: bool) -> None:
        """Make the thread stop and remove the file; wait for it unless cancelled again.

        Cancelled again, the thread still stops and removes the file on its own. A thread
        that had already closed the complete file is past its last check, so that file is
        removed here.
        """
        job = self._started()
        self._aborted = True
        self._queue.put(None)
        with contextlib.suppress(BaseException):
            await asyncio.shield(job)
            if remove_complete and self._complete:
                await self._loop.run_in_executor(None, self._remove)

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    # --- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._write_all()
        except BaseException as err:
            self._error = err
            with contextlib.suppress(OSError):
                self._remove()
        finally:
            self._wake()

    def _write_all(self) -> None:
        if self._aborted:
            return  # given up before the thread started: never create the file
        on_block = self._on_block
        with self._dest.open("wb") as handle:
            while (chunk := self._queue.get()) is not None and not self._aborted:
                handle.write(chunk)
                if on_block is not None:
                    on_block(chunk)
                self._written += len(chunk)
                if self._space is not None:
                    self._wake()
        if self._aborted:
            self._remove()
        else:
            self._complete = True

    def _remove(self) -> None:
        self._dest.unlink(missing_ok=True)

    def _wake(self) -> None:
        """Resolve the loop's wait for space, from the thread."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            self._loop.call_soon_threadsafe(self._resolve_space)

    def _resolve_space(self) -> None:
        if self._space is not None and not self._space.done():
            self._space.set_result(None)
