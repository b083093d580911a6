"""`check()`: the one entry point every front door (CLI, flake8, language server) uses.

discover -> cache lookup -> phase 1 (per file, in worker processes) -> phase 2 (project rules)
-> suppressions -> a Report of complete findings, ready for any renderer.

`check_source()`: the per-file rules on one text in memory (an editor's buffer), with the same
suppressions; project rules need the whole project and stay with `check()`.

`layers_of()`: which module sits in which layer, for `archlint layers` and `archlint init`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from archlint.config import Settings
from archlint.engine import baseline as baselines
from archlint.engine import fixes as fixing
from archlint.engine.cache import ProjectEntry, ResultCache, content_digest, project_inputs
from archlint.engine.discover import discover
from archlint.engine.parallel import default_jobs, run_phase1
from archlint.engine.project import build_model, run_project_rules
from archlint.engine.suppress import apply_suppressions, unused_suppressions
from archlint.engine.worker import CheckerSpec, FileResult, analyze_source
from archlint.model import LayerGroup, LayerReport, Notification, NotificationKind, Report
from archlint.rules.architecture._layers import LAYERS
from archlint.rules.architecture._project import structure
from archlint.rules.base import AnyRule, ProjectModel, ProjectRule, Rule


@dataclass(frozen=True)
class CheckOptions:
    jobs: int | None = None
    use_cache: bool = True
    list_unused_suppressions: bool = False
    # Findings recorded in this baseline file are left out of the report (counted instead).
    baseline: Path | None = None
    # Record the findings of this scan in this file (then they count as baselined).
    write_baseline: Path | None = None


def checker_specs(
    settings: Settings, rules: Sequence[AnyRule]
) -> tuple[list[CheckerSpec], list[tuple[type[ProjectRule], object]]]:
    """The per-file checkers (rules and the collectors that enabled project rules need) and the
    project rules, each with its typed options."""
    file_specs: list[CheckerSpec] = []
    project_rules = []
    needed_collectors: list[type] = []
    for rule in rules:
        if issubclass(rule, Rule):
            file_specs.append((rule, settings.options_for(rule)))
        elif not all(getattr(settings, need) for need in rule.needs):
            continue  # e.g. ARC104 without [tool.archlint.contexts]: nothing to check, no cost
        else:
            project_rules.append((rule, settings.options_for(rule)))
            needed_collectors.extend(c for c in rule.collectors if c not in needed_collectors)
    file_specs.extend((collector, collector.Options()) for collector in needed_collectors)
    return file_specs, project_rules


def check(
    paths: Sequence[Path],
    settings: Settings,
    options: CheckOptions = CheckOptions(),
    *,
    on_start: Callable[[int], None] = lambda total: None,
    on_progress: Callable[[int], None] = lambda n: None,
    rules: Sequence[AnyRule] | None = None,
) -> Report:
    """Scan `paths`. `rules` defaults to the rules the settings enable."""
    started = time.perf_counter()
    recorded = baselines.load(options.baseline) if options.baseline is not None else None
    enabled = list(rules) if rules is not None else settings.enabled_rules()
    found = discover(list(paths), settings)
    file_specs, project_rules = checker_specs(settings, enabled)
    cache = ResultCache(settings.root, settings.fingerprint(enabled), enabled=options.use_cache)

    results: list[FileResult] = []
    notifications: list[Notification] = list(found.notifications)
    todo: list[tuple[str, str]] = []
    digests: dict[str, str] = {}
    for abs_path, rel in found.files:
        try:
            with open(abs_path, "rb") as fh:
                digest = content_digest(fh.read())
        except OSError as exc:
            notifications.append(
                Notification(NotificationKind.UNREADABLE, rel, f"cannot read: {exc.strerror or exc}")
            )
            continue
        digests[rel] = digest
        cached = cache.get(rel, digest)
        if cached is not None:
            results.append(cached)
        else:
            todo.append((abs_path, rel))
    whole = _covers_root(paths, settings.root)
    inputs = project_inputs(digests, found.companions, whole)
    project_cached = cache.project(inputs) if project_rules and not todo else None
    if project_rules and project_cached is None:
        results, missing = _with_facts(cache, results, digests)
        todo.extend(missing)
    from_cache = len(results)
    on_start(len(todo))
    fresh = run_phase1(todo, file_specs, options.jobs or default_jobs(), on_progress)
    for result in fresh:
        # A crash or internal error is not cached: the next run tries the file again.
        if not any(n.kind in _NOT_CACHED for n in result.notifications):
            cache.put(result.path, digests[result.path], result)
    results.extend(fresh)
    # Workers finish in any order; the project phase must not (import-linter's choice between
    # equally short chains follows the order imports entered the graph).
    results.sort(key=lambda r: r.path)

    findings = [f for r in results for f in r.findings]
    for r in results:
        notifications.extend(r.notifications)
    if project_cached is not None:
        project_findings, project_notes = project_cached.findings, project_cached.notifications
    else:
        model = build_model(results, settings, whole, found.companions)
        project_findings, project_notes = run_project_rules(project_rules, model)
        if not any(n.kind in _NOT_CACHED for n in project_notes):
            cache.put_project(ProjectEntry(inputs, dict(model.reads), project_findings,
                                           project_notes))
    cache.save(settings.root)
    findings.extend(project_findings)
    notifications.extend(project_notes)

    comments = {r.path: r.suppressions for r in results if r.suppressions}
    outcome = apply_suppressions(findings, comments, settings.per_file_ignores)
    unused = []
    if options.list_unused_suppressions:
        unused = unused_suppressions(
            comments, outcome.used, {r.code for r in enabled}, {r.name for r in enabled}
        )
    kept, baselined, stale = outcome.kept, 0, 0
    if recorded is not None or options.write_baseline is not None:
        pairs = baselines.entries_of(kept, baselines.file_reader(settings.root))
        if options.write_baseline is not None:
            recorded = _write_baseline(options.write_baseline, [e for _, e in pairs],
                                       set(digests), {rule.code for rule, _ in project_rules},
                                       whole)
        assert recorded is not None
        # Entries of files this scan did not look at, or that only project rules report (they
        # stay quiet on a partial scan), are not stale: count them on whole-project scans only.
        result = baselines.split(pairs, recorded, digests if whole else ())
        kept, baselined, stale = result.new, result.baselined, len(result.stale)
    return Report(
        findings=sorted(kept, key=lambda f: f.sort_key),
        notifications=sorted(notifications, key=lambda n: (n.path, n.line or 0, n.message)),
        rules=[r.meta() for r in enabled],
        files_scanned=len(digests),
        files_from_cache=from_cache,
        files_parsed=sum(1 for r in fresh if r.parsed),
        duration_s=time.perf_counter() - started,
        root=str(settings.root),
        unused_suppressions=unused,
        suppressed=outcome.suppressed,
        baselined=baselined,
        baseline_stale=stale,
    )


def _with_facts(cache: ResultCache, results: list[FileResult], digests: dict[str, str]
                ) -> tuple[list[FileResult], list[tuple[str, str]]]:
    """Cached results with their facts, for the project phase; files whose facts the cache
    lost are analysed again."""
    complete: list[FileResult] = []
    missing: list[tuple[str, str]] = []
    for result in results:
        full = cache.with_facts(result.path, digests[result.path], result)
        if full is None:
            missing.append((str(cache.root / result.path), result.path))
        else:
            complete.append(full)
    return complete, missing


def _write_baseline(path: Path, entries: list[baselines.Entry], scanned: set[str],
                    project_codes: set[str], whole: bool) -> list[baselines.Entry]:
    """Write this scan's entries. A scan of some files only keeps the file's entries for the
    files it did not look at, and those of project rules (which need the whole project to
    answer), so that `check one.py --write-baseline` loses nothing."""
    if not whole and path.exists():
        entries = entries + [e for e in baselines.load(path)
                             if e.path not in scanned or e.rule in project_codes]
    baselines.dump(path, entries)
    return entries


@dataclass
class FixOutcome:
    """What `fix` did: the report after the last round, the fixes applied (or, for a preview,
    that would be), by path, and the files left alone with the reason."""

    report: Report
    fixed: dict[str, int]
    diffs: list[str]
    refused: list[tuple[str, str]]
    unsafe_left: int = 0  # findings with an unsafe fix that was not asked for


MAX_FIX_ROUNDS = 10


def fix(
    paths: Sequence[Path],
    settings: Settings,
    options: CheckOptions = CheckOptions(),
    *,
    unsafe: bool = False,
    write: bool = True,
    rules: Sequence[AnyRule] | None = None,
) -> FixOutcome:
    """Check, apply the fixes of the findings (safe ones; unsafe ones too when asked), check
    again, until a round changes nothing. `write=False` previews one round as unified diffs."""
    fixed: dict[str, int] = {}
    refused: dict[str, str] = {}
    diffs: list[str] = []
    report = check(paths, settings, options, rules=rules)
    for _ in range(MAX_FIX_ROUNDS):
        changed = False
        for path, findings in sorted(fixing.wanted(report.findings, unsafe).items()):
            if path in refused:
                continue
            result = fixing.fix_file(settings.root, path, findings)
            if not result.refused and not result.changed:
                continue
            problem = result.refused or (fixing.write(settings.root, result) if write else "")
            if problem:
                refused[path] = problem
                continue
            fixed[path] = fixed.get(path, 0) + len(result.applied)
            if not write:
                diffs.append(result.diff())
            changed = True
        if not changed or not write:
            break
        report = check(paths, settings, options, rules=rules)
    unsafe_left = 0 if unsafe else sum(
        1 for f in report.findings if f.fix is not None and f.fix.edits and not f.fix.safe)
    return FixOutcome(report, fixed, diffs, sorted(refused.items()), unsafe_left)


def check_source(
    source: str, path: str, settings: Settings, *, rules: Sequence[AnyRule] | None = None,
    honour_noqa: bool = True,
) -> Report:
    """Run the per-file rules on `source` (decoded text, never written anywhere) as if it were
    the file at `path` (root-relative, "/"-separated: per-file-ignores and path-scoped rules see
    it). The same `analyze_source` path and suppressions as `check()`; no cache, no processes,
    no project rules (their findings come from a whole-project `check()`). The language server
    and the flake8 plugin run files this way; `honour_noqa=False` keeps only `# archlint:`
    comments (flake8's `--disable-noqa`)."""
    started = time.perf_counter()
    enabled = list(rules) if rules is not None else settings.enabled_rules()
    file_rules = [rule for rule in enabled if issubclass(rule, Rule)]
    specs, _ = checker_specs(settings, file_rules)
    if "\r" in source:  # as decode_source does for files: columns count from "\n" lines
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    result = analyze_source(source, path, specs)
    kept = [c for c in result.suppressions if honour_noqa or c.style == "archlint"]
    comments = {path: kept} if kept else {}
    outcome = apply_suppressions(result.findings, comments, settings.per_file_ignores)
    return Report(
        findings=sorted(outcome.kept, key=lambda f: f.sort_key),
        notifications=sorted(result.notifications, key=lambda n: (n.line or 0, n.message)),
        rules=[r.meta() for r in file_rules],
        files_scanned=1,
        files_parsed=int(result.parsed),
        duration_s=time.perf_counter() - started,
        root=str(settings.root),
        suppressed=outcome.suppressed,
    )


def _covers_root(paths: Sequence[Path], root: Path) -> bool:
    resolved = root.resolve()
    return any(path.resolve() == resolved for path in paths)


_NOT_CACHED = {NotificationKind.INTERNAL_ERROR, NotificationKind.WORKER_CRASH,
               NotificationKind.UNREADABLE}


def layers_of(paths: Sequence[Path], settings: Settings) -> LayerReport:
    """Which module sits in which layer, and why, over the files `check` would scan. Module
    names come from the paths alone (no file is read or parsed); each module is placed by the
    same structure the architecture rules use, so what this shows is what they see."""
    found = discover(list(paths), settings)
    model = ProjectModel(
        paths=[rel for _, rel in found.files],
        root=settings.root,
        layers=settings.layers,
        contexts=settings.contexts,
        source_roots=settings.source_roots,
        typing_imports=settings.typing_imports,
    )
    project = structure(model)
    layered: dict[tuple[str, str, str], list[str]] = {}
    unlayered: dict[str, list[str]] = {}
    for path in model.paths:
        module = project.modules.module_of.get(path)
        if module is None:
            continue
        placement = project.placement(module)
        if placement is not None:
            key = (placement.layer, placement.root, placement.reason)
            layered.setdefault(key, []).append(module)
        else:
            unlayered.setdefault(_package_group(module, path), []).append(module)
    return LayerReport(
        root=str(settings.root),
        config_path=str(settings.config_path) if settings.config_path else None,
        configured=project.layers.configured,
        layer_names=LAYERS,
        layered=tuple(
            LayerGroup(layer, root, reason, tuple(sorted(modules)))
            for (layer, root, reason), modules in sorted(
                layered.items(), key=lambda item: (LAYERS.index(item[0][0]), item[0][1])
            )
        ),
        unlayered=tuple(
            LayerGroup(None, package, "", tuple(sorted(modules)))
            for package, modules in sorted(unlayered.items())
        ),
        unnamed=tuple(p for p in model.paths if p not in project.modules.module_of),
        notifications=tuple(found.notifications),
    )


def _package_group(module: str, path: str) -> str:
    """The package a module in no layer is shown under: at most two names deep, so that a
    large project shows its packages, not thousands of files."""
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    return ".".join(package.split(".")[:2])
