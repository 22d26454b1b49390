"""Work split across forked processes comes back whole, in order, with the workers' errors."""

from __future__ import annotations

import os

import pytest

from lpgen.parallel import WorkerError, fork_map


def _square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError(f"bad part {n}")
    return n


def _die(n: int) -> int:
    if n:
        os._exit(3)
    return n


def test_results_come_back_in_order_from_separate_processes() -> None:
    results = fork_map(_square_and_pid, [1, 2, 3, 4])
    assert [r for r, _ in results] == [1, 4, 9, 16]
    pids = [p for _, p in results]
    assert pids[0] == os.getpid()
    if hasattr(os, "fork"):
        assert len(set(pids)) == 4


def test_an_error_in_a_worker_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="bad part 3"):
        fork_map(_fail_on_three, [1, 2, 3])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="parts run in this process without fork")
def test_a_worker_that_dies_without_a_result_is_an_error() -> None:
    with pytest.raises(WorkerError, match="ended without a result"):
        fork_map(_die, [0, 1])


def test_a_single_part_runs_here() -> None:
    assert fork_map(_square_and_pid, [5]) == [(25, os.getpid())]


def test_parts_can_all_run_in_workers() -> None:
    results = fork_map(_square_and_pid, [1, 2, 3], here=False)
    assert [r for r, _ in results] == [1, 4, 9]
    if hasattr(os, "fork"):
        assert os.getpid() not in {p for _, p in results}


def _worker_flag(_: int) -> bool:
    from lpgen.parallel import skips_teardown

    return skips_teardown()


def test_only_forked_workers_skip_the_teardown() -> None:
    flags = fork_map(_worker_flag, [0, 1])
    assert flags[0] is False
    if hasattr(os, "fork"):
        assert flags[1] is True


def test_meanwhile_runs_here_while_the_workers_work() -> None:
    ran: list[int] = []
    results = fork_map(_square_and_pid, [2, 3], here=False, meanwhile=lambda: ran.append(os.getpid()))
    assert [r for r, _ in results] == [4, 9]
    assert ran == [os.getpid()]


def _slow_first(n: int) -> tuple[int, int]:
    import time

    if n == 0:
        time.sleep(1.0)  # NOTE: a process on a processor other work slows down
    return n, os.getpid()


def _spare_piece(i: int) -> tuple[int, int]:
    return 100 + i, os.getpid()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="parts run in this process without fork")
def test_spare_pieces_go_to_the_processes_that_are_free() -> None:
    """Spare pieces are taken as processes finish their parts: each runs once, their
    results come back in their order, and a process held up takes none while another is free."""
    results = fork_map(_slow_first, [0, 1], spare=20, spare_fn=_spare_piece)
    assert [r for r, _ in results] == [0, 1, *range(100, 120)]
    held_up, free = results[0][1], results[1][1]
    assert held_up != free
    assert {pid for _, pid in results[2:]} == {free}


def test_spare_pieces_run_here_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "fork", raising=False)
    results = fork_map(_square_and_pid, [1, 2], spare=3, spare_fn=_spare_piece)
    assert [r for r, _ in results] == [1, 4, 100, 101, 102]
    assert {pid for _, pid in results} == {os.getpid()}


_RECEIVED: list[object] = []


def _timed_piece(i: int) -> tuple[int, int, int]:
    """A piece: slow in the calling process, fast in a worker; says how many of the
    workers' results the calling process had taken in when it began."""
    import time

    here = len(_RECEIVED)
    time.sleep(0.05 if os.getpid() == _PARENT[0] else 0.01)
    return i, os.getpid(), here


_PARENT = [0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="parts run in this process without fork")
def test_worker_results_are_taken_in_while_this_process_still_works() -> None:
    """A worker's results cross as it makes them: the calling process takes them in between
    its own pieces, not all at the end."""
    _PARENT[0] = os.getpid()
    _RECEIVED.clear()

    def receive(value: object) -> object:
        _RECEIVED.append(value)
        return value

    results = fork_map(_square_and_pid, [1, 2], spare=30, spare_fn=_timed_piece, receive=receive)
    pieces = results[2:]
    assert [i for i, _, _ in pieces] == list(range(30))
    mine = [seen for _, pid, seen in pieces if pid == os.getpid()]
    assert len(mine) >= 2
    assert mine[-1] > 0  # NOTE: the worker's results were in before this process's last piece
    assert len(_RECEIVED) == 1 + sum(1 for _, pid, _ in pieces if pid != os.getpid())


def _die_after_a_piece(i: int) -> int:
    if os.getpid() != _PARENT[0] and i >= 2:
        os._exit(0)
    return i


@pytest.mark.skipif(not hasattr(os, "fork"), reason="parts run in this process without fork")
def test_a_worker_that_dies_after_sending_some_results_is_an_error() -> None:
    _PARENT[0] = os.getpid()
    with pytest.raises(WorkerError, match="ended without a result"):
        fork_map(_fail_on_three, [1, 2], here=False, spare=6, spare_fn=_die_after_a_piece)


def _fail_on_piece(i: int) -> int:
    if i == 4:
        raise ValueError(f"bad piece {i}")
    return i


@pytest.mark.skipif(not hasattr(os, "fork"), reason="parts run in this process without fork")
def test_an_error_in_a_spare_piece_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="bad piece 4"):
        fork_map(_square_and_pid, [1, 2], here=False, spare=8, spare_fn=_fail_on_piece)


def _fail_here_sleep_there(path: str) -> str:
    """In the calling process, fail at once; in a worker, work a while, then leave a mark."""
    import time

    if os.getpid() == _PARENT[0]:
        raise ValueError("bad part here")
    time.sleep(1.5)
    with open(path, "w") as fh:
        fh.write("finished")
    return path


@pytest.mark.skipif(not hasattr(os, "fork"), reason="parts run in this process without fork")
def test_an_error_here_stops_the_workers_instead_of_waiting_for_them(tmp_path) -> None:
    _PARENT[0] = os.getpid()
    mark = tmp_path / "worker-finished"
    with pytest.raises(ValueError, match="bad part here"):
        fork_map(_fail_here_sleep_there, [str(tmp_path / "unused"), str(mark)])
    import time

    time.sleep(2)  # NOTE: longer than the worker's piece: had it gone on, its mark would be there
    assert not mark.exists()
