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
