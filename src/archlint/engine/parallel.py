"""Phase 1 across processes: batches of files go to worker processes that each hold the rule
specs; a worker that dies (segfault, out of memory) costs only the file that killed it."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from archlint.engine.worker import (
    CheckerSpec,
    FileResult,
    analyze_batch,
    analyze_file,
    init_worker,
)
from archlint.model import Notification, NotificationKind

Task = tuple[str, str]  # (absolute path, root-relative path)
BATCH = 8


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
            results.append(analyze_file(abs_path, rel, specs))
            on_done(1)
        return results
    # Big files first, so one slow file does not finish last on an otherwise idle pool.
    ordered = sorted(tasks, key=lambda t: _size(t[0]), reverse=True)
    batches = [ordered[i : i + BATCH] for i in range(0, len(ordered), BATCH)]
    results: list[FileResult] = []
    failed: list[Task] = []
    with _pool(jobs, specs) as pool:
        futures: dict[Future, list[Task]] = {pool.submit(analyze_batch, b): b for b in batches}
        for future, batch in futures.items():
            try:
                results.extend(future.result())
                on_done(len(batch))
            except BrokenProcessPool:
                failed.extend(batch)
    for task in failed:  # one file per fresh worker: find the file that kills a process
        results.append(_isolated(task, specs))
        on_done(1)
    return results


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


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
