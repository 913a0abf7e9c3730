"""ThreadedFileWriter: the bytes land in order, memory stays bounded, failures leave no file."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import threading
import time

import pytest

from custom_components.printernizer.api.filewriter import (
    DEFAULT_MAX_PENDING,
    OnBlock,
    ThreadedFileWriter,
)

KIB = 1024


def _chunks(count: int, size: int = 64 * KIB) -> list[bytes]:
    return [os.urandom(size) for _ in range(count)]


async def _write(
    dest: Path,
    chunks: list[bytes],
    *,
    fail: Exception | None = None,
    on_block: OnBlock | None = None,
    max_pending: int = DEFAULT_MAX_PENDING,
) -> None:
    """Write `chunks` through a ThreadedFileWriter; raise `fail` inside the block if given."""
    async with ThreadedFileWriter(dest, on_block=on_block, max_pending=max_pending) as writer:
        for chunk in chunks:
            await writer.write(chunk)
        if fail is not None:
            raise fail


async def test_writes_every_chunk_in_order_from_one_thread(tmp_path: Path) -> None:
    """The file is the chunks concatenated; on_block sees them in order, in one thread that
    is not the event loop's, and the file is complete and closed when the block exits."""
    chunks = _chunks(40, 37 * KIB)
    seen: list[bytes] = []
    threads: set[int] = set()

    def on_block(block: bytes | bytearray | memoryview) -> None:
        seen.append(bytes(block))
        threads.add(threading.get_ident())

    dest = tmp_path / "out.bin"
    async with ThreadedFileWriter(dest, on_block=on_block, max_pending=100 * KIB) as writer:
        for chunk in chunks:
            await writer.write(chunk)
    assert dest.read_bytes() == b"".join(chunks)
    assert seen == chunks
    assert len(threads) == 1
    assert threading.get_ident() not in threads


async def test_write_waits_while_max_pending_bytes_are_unwritten(tmp_path: Path) -> None:
    """With the thread held up, write returns until max_pending bytes queue, then waits;
    it resumes as soon as the thread catches up."""
    release = threading.Event()
    written: list[int] = []

    def slow(block: bytes | bytearray | memoryview) -> None:
        release.wait(10)
        written.append(len(block))

    dest = tmp_path / "slow.bin"
    chunks = _chunks(10, 100 * KIB)
    async with ThreadedFileWriter(dest, on_block=slow, max_pending=300 * KIB) as writer:
        for chunk in chunks[:3]:  # 300 KiB: exactly the limit, no wait
            await asyncio.wait_for(writer.write(chunk), 1)
        fourth = asyncio.ensure_future(writer.write(chunks[3]))
        await asyncio.sleep(0.2)
        assert not fourth.done()  # 400 KiB pending > 300 KiB
        assert written == []
        release.set()
        await asyncio.wait_for(fourth, 5)
        for chunk in chunks[4:]:
            await writer.write(chunk)
    assert written == [100 * KIB] * 10
    assert dest.read_bytes() == b"".join(chunks)


async def test_an_error_in_the_thread_is_raised_and_the_file_removed(tmp_path: Path) -> None:
    """on_block failing on the third block: a later write (or the exit) raises that error,
    and no file is left."""
    calls = 0

    def failing(block: bytes | bytearray | memoryview) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("hash failed")

    dest = tmp_path / "broken.bin"
    with pytest.raises(RuntimeError, match="hash failed"):
        await _write(dest, _chunks(50), on_block=failing, max_pending=64 * KIB)
    assert calls == 3
    assert not dest.exists()

    # an error after the last write surfaces at the exit
    calls = 0
    with pytest.raises(RuntimeError, match="hash failed"):
        await _write(dest, _chunks(3), on_block=failing)
    assert not dest.exists()


async def test_a_disk_error_is_raised(tmp_path: Path) -> None:
    """A file that cannot be created is an OSError from the writer, not a hang."""
    dest = tmp_path / "missing-folder" / "x.bin"
    with pytest.raises(FileNotFoundError):  # 25 MiB: would wait forever if the error got lost
        await _write(dest, _chunks(400))
    assert not dest.parent.exists()


async def test_an_exception_in_the_block_aborts_and_removes_the_file(tmp_path: Path) -> None:
    """The caller raising inside the block (a short transfer) stops the thread and removes
    the partial file before the exception leaves the block."""
    dest = tmp_path / "partial.bin"
    with pytest.raises(ValueError, match="short"):
        await _write(dest, _chunks(20), fail=ValueError("short"))
    assert not dest.exists()


async def test_cancelled_while_waiting_for_space(tmp_path: Path) -> None:
    """A task cancelled while write waits for the thread: the thread stops, the partial file
    is gone and the thread has ended when the cancellation arrives at the caller."""
    release = threading.Event()
    started = threading.Event()

    def slow(block: bytes | bytearray | memoryview) -> None:
        started.set()
        release.wait(10)

    dest = tmp_path / "cancelled.bin"
    writer_done = asyncio.Event()

    async def download() -> None:
        try:
            async with ThreadedFileWriter(dest, on_block=slow, max_pending=64 * KIB) as writer:
                for chunk in _chunks(20):
                    await writer.write(chunk)
        finally:
            writer_done.set()

    task = asyncio.ensure_future(download())
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    assert dest.exists()
    task.cancel()
    await asyncio.sleep(0.05)
    assert not writer_done.is_set()  # the exit waits for the thread (held in on_block)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not dest.exists()


async def test_cancelled_while_finishing_removes_the_complete_file(tmp_path: Path) -> None:
    """Cancelled while the exit waits for the last chunks: the file, even if the thread
    completed it meanwhile, does not stay."""
    release = threading.Event()

    def slow(block: bytes | bytearray | memoryview) -> None:
        release.wait(10)

    dest = tmp_path / "late.bin"
    in_exit = asyncio.Event()

    async def download() -> None:
        async with ThreadedFileWriter(dest, on_block=slow) as writer:
            await writer.write(b"x" * 1000)
            in_exit.set()

    task = asyncio.ensure_future(download())
    await in_exit.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.sleep(0.05)
    release.set()  # the thread finishes the whole file after the cancellation
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not dest.exists()


async def test_cancelled_just_after_the_thread_completed_the_file(tmp_path: Path) -> None:
    """The thread has closed the complete file, the caller is cancelled before it hears so:
    the exit removes the file itself."""
    last_block = threading.Event()

    def on_block(block: bytes | bytearray | memoryview) -> None:
        last_block.set()

    dest = tmp_path / "done.bin"
    in_exit = asyncio.Event()
    release = asyncio.Event()

    async def download() -> None:
        async with ThreadedFileWriter(dest, on_block=on_block) as writer:
            await release.wait()
            await writer.write(b"y" * 1000)
            in_exit.set()

    task = asyncio.ensure_future(download())
    await asyncio.sleep(0)
    release.set()
    await in_exit.wait()
    assert last_block.wait(5)
    # Hold the loop so the thread's completion cannot reach the task before the cancel.
    time.sleep(0.2)  # noqa: ASYNC251 - deliberate, see above
    assert dest.stat().st_size == 1000  # complete and closed by the thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not dest.exists()


async def test_given_up_at_once_leaves_nothing(tmp_path: Path) -> None:
    """An exit by exception right after the start: whether or not the thread had created
    the file yet, nothing is left."""
    dest = tmp_path / "never.bin"
    for _ in range(20):
        with pytest.raises(ValueError, match="no"):
            await _write(dest, [], fail=ValueError("no"))
        assert not dest.exists()


async def test_write_outside_async_with_is_refused(tmp_path: Path) -> None:
    """Without `async with` no thread runs; write says how to use it."""
    with pytest.raises(RuntimeError, match="async with"):
        await ThreadedFileWriter(tmp_path / "x").write(b"data")
    assert not (tmp_path / "x").exists()
