"""Phase 2: merge every file's facts into one ProjectModel and run the project rules once."""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from typing import Any

from archlint.config import Settings
from archlint.engine.worker import FileResult
from archlint.model import Finding, Notification, NotificationKind
from archlint.rules.base import ProjectModel, ProjectRule


def build_model(results: Sequence[FileResult], settings: Settings | None = None,
                whole_project: bool = True, companions: Sequence[str] = ()) -> ProjectModel:
    settings = settings or Settings()
    model = ProjectModel(
        paths=[r.path for r in results],
        root=settings.root,
        layers=settings.layers,
        contexts=settings.contexts,
        source_roots=settings.source_roots,
        typing_imports=settings.typing_imports,
        whole_project=whole_project,
        companions=tuple(companions),
    )
    for result in results:
        for kind, facts in result.facts.items():
            bucket = model.facts.setdefault(kind, [])
            bucket.extend((result.path, fact) for fact in facts)
    return model


def run_project_rules(
    rules: Sequence[tuple[type[ProjectRule], Any]], model: ProjectModel
) -> tuple[list[Finding], list[Notification]]:
    findings: list[Finding] = []
    notifications: list[Notification] = []
    for rule_cls, options in rules:
        rule = rule_cls(model, options)
        try:
            rule.check()
        except Exception as exc:  # one broken project rule must not cost the others
            notifications.append(
                Notification(
                    NotificationKind.INTERNAL_ERROR,
                    "",
                    f"internal error in {rule_cls.code}: {type(exc).__name__}: {exc}",
                    rule=rule_cls.code,
                    detail=traceback.format_exc(),
                )
            )
            continue
        findings.extend(rule.findings)
        notifications.extend(
            Notification(NotificationKind.RULE_NOTE, path, message, rule=rule_cls.code)
            for path, message in rule.notes
        )
    return findings, notifications
