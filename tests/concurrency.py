"""Real races for concurrency tests: one forked process per racer (its own
app, its own database connection), all let go at the same moment.

    outcomes = race(_racer, [(config, username, ...) for each racer])

`_racer(*args, barrier, results)` signs in, waits at `barrier`, makes its
request and puts its outcome on `results`; `race` returns every outcome
and checks that each process ended cleanly."""
from __future__ import annotations

import multiprocessing as mp


def race(target, racers: list[tuple], timeout: float = 180) -> list:
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(len(racers)), ctx.Queue()
    workers = [ctx.Process(target=target, args=(*args, barrier, results)) for args in racers]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=timeout) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return outcomes
