"""End to end through api.check(): discovery, cache, process pool, project phase, suppressions."""

from __future__ import annotations

from pathlib import Path

import pytest
from _support import DuplicateFunctionNames, PrintCall

from archlint.api import CheckOptions, check
from archlint.config import Settings
from archlint.engine.cache import CACHE_DIR, build_id
from archlint.model import NotificationKind


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def run(root: Path, rules=(PrintCall,), **options):
    return check([root], Settings(root=root), CheckOptions(**options), rules=list(rules))


def test_second_run_parses_nothing_and_gives_the_same_report(tmp_path):
    root = project(tmp_path, {f"m{i}.py": f"print({i})\n" for i in range(5)})
    first = run(root)
    assert first.files_parsed == 5 and len(first.findings) == 5
    assert (root / CACHE_DIR / ".gitignore").is_file()
    second = run(root)
    assert second.files_parsed == 0 and second.files_from_cache == 5
    assert second.findings == first.findings
    (root / "m0.py").write_text("print(0)\nprint(0)\n", encoding="utf-8")
    third = run(root)
    assert third.files_parsed == 1 and len(third.findings) == 6


def test_no_cache_neither_reads_nor_writes(tmp_path):
    root = project(tmp_path, {"a.py": "print(1)\n"})
    run(root, use_cache=False)
    assert not (root / CACHE_DIR).exists()


def test_corrupt_cache_is_ignored_and_rebuilt(tmp_path):
    root = project(tmp_path, {"a.py": "print(1)\n"})
    run(root)
    [cache_file] = (root / CACHE_DIR).glob("results-*.pickle")
    cache_file.write_bytes(b"\x80\x04garbage")
    again = run(root)
    assert again.files_parsed == 1 and len(again.findings) == 1
    assert run(root).files_parsed == 0


def test_cache_is_per_config(tmp_path):
    root = project(tmp_path, {"a.py": "print(1)\nshout(2)\n"})
    run(root)
    other = check([root], Settings(root=root, rule_options={"ARC999": PrintCall.Options("shout")}),
                  rules=[PrintCall])
    assert other.files_parsed == 1 and [f.span.line for f in other.findings] == [2]


def test_cache_is_per_build_of_archlint(tmp_path):
    """An edited rule in a development checkout keeps the version but must not be served the
    results of the code it replaced."""
    package = tmp_path / "archlint"
    (package / "rules").mkdir(parents=True)
    rule = package / "rules" / "a_rule.py"
    rule.write_text("X = 1\n")
    before = build_id(package)
    assert build_id(package) == before
    rule.write_text("X = 22\n")
    assert build_id(package) != before


def test_process_pool_matches_single_process(tmp_path):
    files = {f"pkg/m{i:02}.py": ("print(1)\n" if i % 3 else "x = 1\n") for i in range(40)}
    root = project(tmp_path, files)
    serial = run(root, jobs=1, use_cache=False)
    parallel = run(root, jobs=2, use_cache=False)
    assert parallel.findings == serial.findings and len(serial.findings) == 26


@pytest.mark.parametrize(
    ("count", "crasher"),
    [
        (30, "m007.py"),  # every batch already in flight when the worker dies
        (200, "m003.py"),  # work still queued when it dies: it goes to a fresh pool
    ],
)
def test_a_crashing_worker_costs_only_its_file(tmp_path, count, crasher):
    files = {f"m{i:03}.py": "print(1)\n" for i in range(count)}
    files[crasher] = "CRASH_WORKER()\n"
    root = project(tmp_path, files)
    report = run(root, jobs=2, use_cache=False)
    crashes = [n for n in report.notifications if n.kind is NotificationKind.WORKER_CRASH]
    assert [n.path for n in crashes] == [crasher]
    assert len(report.findings) == count - 1


def test_bad_files_do_not_stop_the_scan(tmp_path):
    root = project(tmp_path, {"ok.py": "print(1)\n", "broken.py": "def (:\n print(2)\n"})
    (root / "latin1.py").write_bytes(b"x = 1\nprint('\xe9')\n")
    report = run(root)
    assert [f.path for f in report.findings] == ["ok.py"]
    kinds = {n.path: n.kind for n in report.notifications}
    assert kinds == {"broken.py": NotificationKind.PARSE_ERROR,
                     "latin1.py": NotificationKind.DECODE_ERROR}


def test_project_rule_sees_facts_from_every_file_including_cached_ones(tmp_path):
    root = project(tmp_path, {"a.py": "def handler():\n    pass\n",
                              "b.py": "def handler():\n    return 1\n"})
    first = run(root, rules=[DuplicateFunctionNames])
    assert [(f.path, f.span.line, f.code) for f in first.findings] == [("b.py", 1, "ARC998")]
    second = run(root, rules=[DuplicateFunctionNames])
    assert second.files_parsed == 0 and second.findings == first.findings


def test_an_unchanged_project_reuses_the_project_phase_without_reading_facts(tmp_path):
    root = project(tmp_path, {"a.py": "def handler():\n    pass\n",
                              "b.py": "def handler():\n    return 1\n"})
    first = run(root, rules=[DuplicateFunctionNames])
    [facts] = (root / CACHE_DIR).glob("facts-*.pickle")
    facts.unlink()  # the project phase's results stand on their own
    second = run(root, rules=[DuplicateFunctionNames])
    assert second.files_parsed == 0 and second.findings == first.findings
    (root / "c.py").write_text("def handler():\n    return 2\n", encoding="utf-8")
    third = run(root, rules=[DuplicateFunctionNames])  # facts lost: a.py and b.py run again
    assert third.files_parsed == 3
    assert [(f.path, f.code) for f in third.findings] == [("b.py", "ARC998"), ("c.py", "ARC998")]
    assert run(root, rules=[DuplicateFunctionNames]).findings == third.findings


def test_a_file_a_project_rule_read_invalidates_its_cached_results(tmp_path):
    """ARC501 reads the Dockerfile (a launch under opentelemetry-instrument traces every
    endpoint); ARC103 looks for import-linter's config files, present or not."""
    from archlint.rules.architecture.import_contract_broken import ImportContractBroken
    from archlint.rules.observability.endpoint_without_tracing import EndpointWithoutTracing

    root = project(tmp_path, {
        "Dockerfile": "FROM python:3.12\nCMD [\"uvicorn\", \"shop.app:app\"]\n",
        "shop/__init__.py": "",
        "shop/app.py": "from fastapi import FastAPI\nfrom shop import db\napp = FastAPI()\n\n"
                       "@app.get('/orders')\ndef orders():\n    return db.ORDERS\n",
        "shop/db.py": "ORDERS = []\n",
    })

    def scan():
        report = check([root], Settings(root=root), CheckOptions(),
                       rules=[EndpointWithoutTracing, ImportContractBroken])
        return sorted(f.code for f in report.findings)

    assert scan() == ["ARC501"]
    (root / "Dockerfile").write_text(
        "FROM python:3.12\nCMD [\"opentelemetry-instrument\", \"uvicorn\", \"shop.app:app\"]\n",
        encoding="utf-8")
    assert scan() == []
    (root / ".importlinter").write_text(
        "[importlinter]\nroot_package = shop\n\n[importlinter:contract:db]\nname = db below app\n"
        "type = layers\nlayers =\n    shop.db\n    shop.app\n", encoding="utf-8")
    assert scan() == ["ARC103"]


def test_suppressions_and_per_file_ignores_apply(tmp_path):
    root = project(tmp_path, {
        "a.py": "print(1)  # noqa: ARC999\nprint(2)  # archlint: ignore[test-print-call] -- ok\nprint(3)\n",
        "scripts/s.py": "print(4)\n",
        "b.py": "# archlint: skip-file\nprint(5)\n",
    })
    settings = Settings(root=root, per_file_ignores=(("scripts/*", ("ARC999",)),))
    report = check([root], settings, CheckOptions(list_unused_suppressions=True), rules=[PrintCall])
    assert [(f.path, f.span.line) for f in report.findings] == [("a.py", 3)]
    assert report.suppressed == 3
    assert report.unused_suppressions == []


def test_a_project_rule_whose_settings_are_missing_costs_nothing(tmp_path):
    from archlint.api import checker_specs
    from archlint.rules.architecture.shared_model_across_contexts import SharedModelAcrossContexts

    bare = checker_specs(Settings(root=tmp_path), [SharedModelAcrossContexts])
    assert bare == ([], [])
    configured = Settings(root=tmp_path, contexts={"billing": "app.billing"})
    file_specs, project_rules = checker_specs(configured, [SharedModelAcrossContexts])
    assert [rule for rule, _ in project_rules] == [SharedModelAcrossContexts]
    assert {cls.kind for cls, _ in file_specs} == {"imports", "classes", "bindings"}
