"""The values that flow from rules to renderers: frozen dataclasses with no dependencies.

Positions follow one convention everywhere inside archlint: 1-based lines, 0-based columns counted
in Unicode code points, end exclusive. Renderers convert at the edge (SARIF wants 1-based columns,
LSP wants UTF-16).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from pathlib import Path


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"expected one of error, warning, note; got {text!r}") from None


@dataclass(frozen=True, order=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Related:
    """A second place that explains a finding (where a SQL string was built, where a value came from)."""

    span: Span
    message: str
    path: str | None = None  # None: the finding's own file


@dataclass(frozen=True)
class Edit:
    span: Span
    replacement: str


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[Edit, ...] = ()
    safe: bool = True


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    path: str  # relative to the project root, "/"-separated
    span: Span
    severity: Severity
    help: str = ""
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    # First and last line of the statement that holds the finding: a suppression comment on either
    # works, so that multi-line calls can be silenced where a formatter leaves the comment.
    statement_lines: tuple[int, int] | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code)


class NotificationKind(enum.Enum):
    PARSE_ERROR = "parse-error"
    DECODE_ERROR = "decode-error"
    UNREADABLE = "unreadable"
    SYMLINK_LOOP = "symlink-loop"
    INTERNAL_ERROR = "internal-error"
    WORKER_CRASH = "worker-crash"
    RULE_NOTE = "rule-note"  # a project rule could not check something (e.g. a broken contract)


@dataclass(frozen=True)
class Notification:
    """Something that kept archlint from analysing (part of) a file; the scan goes on."""

    kind: NotificationKind
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    rule: str | None = None  # for an internal error inside one rule
    detail: str = ""  # traceback, shown with --debug


@dataclass(frozen=True)
class RuleMeta:
    """What renderers, `rules` and `explain` know of a rule, without importing the rule itself."""

    code: str
    name: str
    severity: Severity
    summary: str
    docs: str
    family: str
    cwe: int | None = None
    tags: tuple[str, ...] = ()
    precision: str = "high"
    default_enabled: bool = True
    scope: str = "file"  # "file" or "project"
    security_severity: float | None = None

    @property
    def help_uri(self) -> str:
        return f"https://github.com/archlint/archlint/blob/main/docs/rules/{self.code}.md"


@dataclass(frozen=True)
class SuppressionComment:
    line: int
    codes: tuple[str, ...]  # empty: suppresses everything on the line
    style: str  # "noqa" or "archlint"
    reason: str = ""


@dataclass
class Report:
    """The outcome of one `check`: complete findings, notifications and what was scanned."""

    findings: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    rules: list[RuleMeta] = field(default_factory=list)
    files_scanned: int = 0
    files_from_cache: int = 0
    files_parsed: int = 0
    duration_s: float = 0.0
    root: str = "."
    unused_suppressions: list[tuple[str, SuppressionComment]] = field(default_factory=list)
    suppressed: int = 0
    baselined: int = 0  # findings left out because the --baseline file records them
    baseline_stale: int = 0  # baseline entries of scanned files that matched no finding


@dataclass(frozen=True)
class LayerGroup:
    """Modules that sit together: in a layer, those under one root module that a config pattern
    or a folder name claims; in no layer, those of one package (at most two names deep)."""

    layer: str | None  # None: no layer
    root: str  # "shop.domain"; "" for top-level modules in no package
    reason: str  # 'folder "domain"', 'pattern "shop.domain"'; "" in no layer
    modules: tuple[str, ...]


@dataclass(frozen=True)
class LayerReport:
    """What `archlint layers` shows and `archlint init` writes: which module sits in which layer,
    and why. Module names come from paths alone; nothing is parsed."""

    root: str
    config_path: str | None
    configured: bool  # layers from [tool.archlint.layers]; else from folder names
    layer_names: tuple[str, ...]  # lowest first
    layered: tuple[LayerGroup, ...]  # by layer (lowest first), then root
    unlayered: tuple[LayerGroup, ...]  # by package
    unnamed: tuple[str, ...]  # files with no module name of their own (paths)
    notifications: tuple[Notification, ...] = ()

    def roots(self) -> dict[str, list[str]]:
        """Layer -> the root modules found in it, lowest layer first: the starter patterns."""
        found: dict[str, list[str]] = {name: [] for name in self.layer_names}
        for group in self.layered:
            if group.layer is not None and group.root not in found[group.layer]:
                found[group.layer].append(group.root)
        return {layer: roots for layer, roots in found.items() if roots}


def content_digest(data: bytes) -> str:
    """What a file's bytes are known by in the cache and in the project phase's reads."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: Path) -> str | None:
    """The digest of a file's bytes; None when it cannot be read, a missing file included."""
    try:
        return content_digest(path.read_bytes())
    except OSError:
        return None
