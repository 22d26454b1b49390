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
    whichever process ran them."""
    if len(parts) <= 1 or not hasattr(os, "fork"):
        results = [fn(p) for p in parts]
        if meanwhile is not None:
            meanwhile()
        return results + ([spare_fn(i) for i in range(spare)] if spare_fn is not None else [])
    tokens = _spare_tokens(spare) if spare and spare_fn is not None else None

    def job(part: P) -> tuple[R, dict[int, R]]:
        own = fn(part)
        taken: dict[int, R] = {}
        while tokens is not None and (i := _take(tokens)) is not None:
            taken[i] = spare_fn(i)  # type: ignore[misc]
        return own, taken

    def shipped(done: tuple[R, dict[int, R]]) -> Any:
        own, taken = done
        return (own, taken) if send is None else (send(own), {i: send(r) for i, r in taken.items()})

    children: list[tuple[int, int]] = []
    try:
        for part in parts[1:] if here else parts:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                os.close(read_fd)
                _child(lambda p: shipped(job(p)), part, write_fd)
            os.close(write_fd)
            children.append((pid, read_fd))
        if meanwhile is not None:
            meanwhile()
        first = [job(parts[0])] if here else []
        others = [(own, taken) if receive is None else (receive(own), {i: receive(r) for i, r in taken.items()})
                  for own, taken in _collect(children)]
        done = [*first, *others]
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
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
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


def _child(fn: Callable[[Any], Any], part: Any, write_fd: int) -> None:  # pragma: no cover - child
    global _NO_TEARDOWN
    _NO_TEARDOWN = True
    code = 0
    try:
        try:
            data = pickle.dumps((True, fn(part)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            code = 1
            try:
                data = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                data = pickle.dumps((False, WorkerError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
    finally:
        os._exit(code)


def _collect(children: list[tuple[int, int]]) -> list[Any]:
    """Each child's result, in the children's order. The pipes are read as data arrives
    and a result is decoded as soon as its child is done, while the others still run."""
    import select

    pids = {fd: pid for pid, fd in children}
    chunks: dict[int, list[bytes]] = {fd: [] for _, fd in children}
    done: dict[int, Any] = {}
    waiting = [fd for _, fd in children]
    while waiting:
        ready, _, _ = select.select(waiting, [], [])
        for fd in ready:
            chunk = os.read(fd, 1 << 20)
            if chunk:
                chunks[fd].append(chunk)
                continue
            waiting.remove(fd)
            done[fd] = _decode(pids[fd], chunks.pop(fd))
    return [done[fd] for _, fd in children]


def _decode(pid: int, chunks: list[bytes]) -> Any:
    if not chunks:
        raise WorkerError(f"worker process {pid} ended without a result")
    ok, value = pickle.loads(b"".join(chunks))
    if not ok:
        raise value
    return value
