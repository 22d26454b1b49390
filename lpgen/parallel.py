"""Run one function over several parts of a job, one process per part.

On systems with ``fork`` each part runs in a forked child (the first may run in the
calling process): the children start with everything the parent has already loaded
(tables, models), send their result back through a pipe and end without the interpreter's
teardown. Elsewhere the parts run one after another in this process.

A process that ends without the teardown (a worker, or a command that ends with
``os._exit``; see ``end_without_teardown``) can keep what it built instead of freeing it.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

P = TypeVar("P")
R = TypeVar("R")


class WorkerError(RuntimeError):
    """A worker process ended without sending a result."""


_NO_TEARDOWN = False


def skips_teardown() -> bool:
    """True when this process ends without the interpreter's teardown (a forked worker, or
    after ``end_without_teardown``): what it builds need not be freed."""
    return _NO_TEARDOWN


def end_without_teardown() -> None:
    """Declare that this process will end with ``os._exit`` once its work is done, so large
    structures may be kept alive to the end instead of freed one object at a time. Only a
    program's entry point may say so (``lpgen.cli.run``): a library caller's process goes
    on."""
    global _NO_TEARDOWN
    _NO_TEARDOWN = True


def fork_map(
    fn: Callable[[P], R], parts: Sequence[P], *, here: bool = True, meanwhile: Callable[[], object] | None = None,
    send: Callable[[R], Any] | None = None, receive: Callable[[Any], R] | None = None,
    spare: int = 0, spare_fn: Callable[[int], R] | None = None,
) -> list[R]:
    """``[fn(p) for p in parts]``, each part in a forked process.

    With ``here`` the first part runs in this process. ``meanwhile`` runs here while the
    children work (loading what comes next). A child's result crosses to this process as
    ``send(result)``, and ``receive`` makes the result again from that (a form that
    pickles faster). An exception raised by ``fn`` in a child is raised again here.

    ``spare`` more pieces of work, numbered from 0, are not given out in advance: each
    process, its part done, runs ``spare_fn(i)`` for the next one no process has taken,
    until none is left, so a process on a processor the machine's other work slows down
    takes fewer. Their results follow the parts' in the list, in their numbers' order,
    whichever process ran them. A child sends each result as soon as it has it, and this
    process, between the pieces it runs itself, takes in what has come: little is left to
    cross once the last piece is done."""
    if len(parts) <= 1 or not hasattr(os, "fork"):
        results = [fn(p) for p in parts]
        if meanwhile is not None:
            meanwhile()
        return results + ([spare_fn(i) for i in range(spare)] if spare_fn is not None else [])
    tokens = _spare_tokens(spare) if spare and spare_fn is not None else None
    inbox = _Inbox(receive)

    def job(part: P, out: Callable[[Any, R], None] | None = None) -> tuple[R, dict[int, R]]:
        """Run the part, then spare pieces while any is left; ``out`` sends each result
        as it is made (in a child), else they are returned."""
        own = fn(part)
        if out is not None:
            out(_OWN, own)
        taken: dict[int, R] = {}
        while tokens is not None and (i := _take(tokens)) is not None:
            result = spare_fn(i)  # type: ignore[misc]
            if out is not None:
                out(i, result)
            else:
                taken[i] = result
                inbox.poll()
        return own, taken

    children: list[tuple[int, int]] = []
    try:
        for part in parts[1:] if here else parts:
            read_fd, write_fd = os.pipe()
            _widen(write_fd)
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                os.close(read_fd)
                _child(job, part, write_fd, send)
            os.close(write_fd)
            children.append((pid, read_fd))
            inbox.add(pid, read_fd)
        if meanwhile is not None:
            meanwhile()
        first = [job(parts[0])] if here else []
        done = [*first, *inbox.collect()]
        extra = {i: r for _, taken in done for i, r in taken.items()}
        return [own for own, _ in done] + [extra[i] for i in sorted(extra)]
    finally:
        if tokens is not None:
            os.close(tokens)
        for pid, fd in children:
            try:
                os.close(fd)
            except OSError:
                pass
            _reap(pid, fd in inbox.ended)


def _reap(pid: int, finished: bool) -> None:
    """Wait for a child to end. One that has not sent everything (this process stopped on an
    error) is stopped first. One that has is only ending, which for a child with a large heap
    takes the system several milliseconds: a process that ends without the teardown does
    not wait for it (its children are reaped by the system once it ends)."""
    if not finished:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    elif _NO_TEARDOWN:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        return
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


_OWN = -1
"""the number a child's own part's result is sent under (spare pieces' are 0 and up)."""
_END = -2
"""the number of a child's last message: everything it had to send has been sent."""
_FAILED = -3
"""the number of the message carrying the exception a child's work raised."""
_HEADER = 12
"""bytes before each message: its number (4, signed) and its length (8)."""


def _widen(fd: int) -> None:
    """Let the pipe hold a child's every result (1 MiB, Linux's most for a user), so that
    it never waits for this process to take them; elsewhere the pipe stays as it is."""
    import fcntl

    size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if size is not None:
        try:
            fcntl.fcntl(fd, size, 1 << 20)
        except OSError:
            pass


def _spare_tokens(count: int) -> int:
    """A pipe holding each spare piece of work's number (two bytes each), its writing end
    closed: the end each process reads the next number from, or nothing once all are
    taken. Written whole before any process reads, within the pipe's buffer."""
    if not 0 < count <= _MAX_SPARE:
        raise ValueError(f"{count} spare pieces of work: 1 to {_MAX_SPARE}")
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, b"".join(i.to_bytes(2, "big") for i in range(count)))
    finally:
        os.close(write_fd)
    return read_fd


_MAX_SPARE = 2048
"""spare pieces of work one pipe holds: 4 KiB, a pipe's smallest buffer (one page)."""


def _take(tokens: int) -> int | None:
    """The next spare piece's number, or None. Reads of a pipe are atomic: two processes
    never get the same number."""
    got = os.read(tokens, 2)
    return int.from_bytes(got, "big") if got else None


def _child(job: Callable[..., Any], part: Any, write_fd: int, send: Callable[[Any], Any] | None) -> None:  # pragma: no cover - child
    global _NO_TEARDOWN
    _NO_TEARDOWN = True
    code = 0

    def out(number: int, result: Any) -> None:
        _write(write_fd, number, pickle.dumps(result if send is None else send(result), protocol=pickle.HIGHEST_PROTOCOL))

    try:
        try:
            job(part, out)
            _write(write_fd, _END, b"")
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            code = 1
            try:
                data = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                data = pickle.dumps(WorkerError(f"{type(exc).__name__}: {exc}"))
            _write(write_fd, _FAILED, data)
    finally:
        # NOTE: closed before the exit, which frees the heap first: the parent sees the end
        # of the results at once.
        try:
            os.close(write_fd)
        except OSError:
            pass
        os._exit(code)


def _write(fd: int, number: int, data: bytes) -> None:  # pragma: no cover - child
    view = memoryview(number.to_bytes(4, "big", signed=True) + len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view):]


class _Inbox:
    """The results children send, taken in as they arrive: each message is decoded (and
    ``receive`` applied) once it is whole, while this process still has work of its own."""

    def __init__(self, receive: Callable[[Any], Any] | None) -> None:
        self.receive = receive
        self.order: list[int] = []
        self.pids: dict[int, int] = {}
        self.buffers: dict[int, bytearray] = {}
        self.own: dict[int, Any] = {}
        self.taken: dict[int, dict[int, Any]] = {}
        self.failed: dict[int, BaseException] = {}
        self.ended: set[int] = set()
        """children that sent everything they had to send"""
        self.open: list[int] = []

    def add(self, pid: int, fd: int) -> None:
        self.order.append(fd)
        self.pids[fd] = pid
        self.buffers[fd] = bytearray()
        self.taken[fd] = {}
        self.open.append(fd)

    def poll(self, wait: bool = False) -> None:
        """Read what the children have sent (waiting for something with ``wait``)."""
        import select

        if not self.open:
            return
        ready, _, _ = select.select(self.open, [], [], None if wait else 0)
        for fd in ready:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self.open.remove(fd)
                continue
            self.buffers[fd] += chunk
            self._decode(fd)

    def _decode(self, fd: int) -> None:
        buffer = self.buffers[fd]
        at = 0
        while len(buffer) - at >= _HEADER:
            number = int.from_bytes(buffer[at : at + 4], "big", signed=True)
            size = int.from_bytes(buffer[at + 4 : at + _HEADER], "big")
            if len(buffer) - at - _HEADER < size:
                break
            data = buffer[at + _HEADER : at + _HEADER + size]
            at += _HEADER + size
            if number == _END:
                self.ended.add(fd)
            elif number == _FAILED:
                self.failed[fd] = pickle.loads(data)
            else:
                value = pickle.loads(data)
                value = value if self.receive is None else self.receive(value)
                if number == _OWN:
                    self.own[fd] = value
                else:
                    self.taken[fd][number] = value
        del buffer[:at]

    def collect(self) -> list[tuple[Any, dict[int, Any]]]:
        """Each child's result and the spare pieces' it ran, in the children's order, once
        all have ended; a child's exception is raised here."""
        while self.open:
            self.poll(wait=True)
        for fd in self.order:
            if fd in self.failed:
                raise self.failed[fd]
            if fd not in self.ended or fd not in self.own:
                raise WorkerError(f"worker process {self.pids[fd]} ended without a result")
        return [(self.own[fd], self.taken[fd]) for fd in self.order]
