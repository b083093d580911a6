"""Phase 1 across processes: batches of files go to worker processes that each hold the rule
specs; a worker that dies (segfault, out of memory) costs only the file that killed it."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from archlint.engine.worker import (
    CheckerSpec,
    FileResult,
    analyze_batch,
    analyze_file_then_trim,
    file_size,
    init_worker,
)
from archlint.model import Notification, NotificationKind

Task = tuple[str, str]  # (absolute path, root-relative path)
BATCH = 8
BIG_FILE = 128 * 1024  # bytes of source


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_phase1(
    tasks: Sequence[Task],
    specs: Sequence[CheckerSpec],
    jobs: int,
    on_done: Callable[[int], None] = lambda n: None,
) -> list[FileResult]:
    if jobs <= 1 or len(tasks) < 2 * BATCH:
        results = []
        for abs_path, rel in tasks:
            results.append(analyze_file_then_trim(abs_path, rel, specs))
            on_done(1)
        return results
    # Big files first, so that no slow file finishes last on an otherwise idle pool; each big
    # file alone and never two at once: LibCST needs ~280 bytes of memory per byte of source,
    # so two 500 kB files parsed side by side would double the peak.
    ordered = sorted(tasks, key=lambda t: file_size(t[0]), reverse=True)
    big = [[t] for t in ordered if file_size(t[0]) > BIG_FILE]
    small = ordered[len(big) :]
    batches = [small[i : i + BATCH] for i in range(0, len(small), BATCH)]
    results: list[FileResult] = []
    suspects: list[Task] = []  # in flight when a worker died: one of them killed it
    while big or batches:
        with _pool(jobs, specs) as pool:
            suspects.extend(_drain(pool, jobs, big, batches, results, on_done))
    for task in suspects:  # one file per fresh worker: find the file that kills a process
        results.append(_isolated(task, specs))
    return results


def _drain(
    pool: ProcessPoolExecutor,
    jobs: int,
    big: list[list[Task]],
    batches: list[list[Task]],
    results: list[FileResult],
    on_done: Callable[[int], None],
) -> list[Task]:
    """Feed the pool until the work is done or a worker dies; returns the files that were in
    flight when it died (the rest stays queued for a fresh pool)."""
    pending: dict[Future, list[Task]] = {}
    big_running: set[Future] = set()
    while big or batches or pending:
        while len(pending) < 2 * jobs and (big and not big_running or batches):
            queue = big if big and not big_running else batches
            batch = queue.pop(0)
            try:
                future = pool.submit(analyze_batch, batch)
            except BrokenProcessPool:
                queue.insert(0, batch)
                return _in_flight(pending, on_done)
            pending[future] = batch
            if queue is big:
                big_running.add(future)
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            batch = pending.pop(future)
            big_running.discard(future)
            try:
                results.extend(future.result())
                on_done(len(batch))
            except BrokenProcessPool:
                pending[future] = batch
                broken = True
        if broken:
            return _in_flight(pending, on_done)
    return []


def _in_flight(pending: dict[Future, list[Task]], on_done: Callable[[int], None]) -> list[Task]:
    suspects = [task for batch in pending.values() for task in batch]
    on_done(len(suspects))
    return suspects


def _isolated(task: Task, specs: Sequence[CheckerSpec]) -> FileResult:
    try:
        with _pool(1, specs) as pool:
            return pool.submit(analyze_batch, [task]).result()[0]
    except BrokenProcessPool:
        return FileResult(
            path=task[1],
            notifications=[
                Notification(
                    NotificationKind.WORKER_CRASH,
                    task[1],
                    "the worker process analysing this file died (crash or out of memory); "
                    "the file was skipped",
                )
            ],
        )


def _pool(jobs: int, specs: Sequence[CheckerSpec]) -> ProcessPoolExecutor:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=init_worker,
        initargs=(tuple(specs),),
    )
