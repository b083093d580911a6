"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

The log is built with the ``sarif_om`` object model and written by a small serializer of our own
(:func:`sarif_to_dict`) that walks the attrs fields: each field's ``metadata["schema_property_name"]``
gives its JSON name, and every value that was *set* is kept, even one equal to the attrs default
(``level: "warning"``, ``results: []``). jschema_to_python's ``to_json`` would drop those.

What the log holds (one run):

* ``tool.driver``: name, version, informationUri; ``rules`` = every enabled rule of the report
  (sorted by code) plus, should a finding name a rule the report does not list, a minimal
  descriptor for it, so that every ``ruleIndex`` resolves. ``notifications`` describes the
  notification kinds that occur, for ``descriptor.index``.
* ``results``: ruleId, ruleIndex, level, message, one location (repository-relative URI with
  ``uriBaseId: "%SRCROOT%"``, 1-based full region, a small ``contextRegion`` with a snippet),
  relatedLocations, ``partialFingerprints.primaryLocationLineHash`` (the value GitHub's upload
  action would compute) and, for findings with a codemod, ``fixes``.
* ``invocations[0]``: ``executionSuccessful`` and one ``toolExecutionNotifications`` entry per
  report notification.

Decisions:

* Message text: ``"<message>. Related: [<related message>](1); .... Fix: <help>."``. The message
  stands alone (GitHub shows only ``message.text``); the related part uses SARIF embedded links,
  which is how GitHub shows related locations at all. Literal ``[text](`` in a message is escaped
  (``\\[text\\](``) so that it is not taken for a link; braces are left alone (the text is not a
  format string: results carry no ``arguments``).
* ``executionSuccessful`` is false only when archlint itself failed (``internal-error``,
  ``worker-crash``): results may be missing through our fault. Files that cannot be read,
  decoded or parsed are problems of the input; they are reported as ``warning`` notifications
  and the run still counts as successful.
* ``precision``: GitHub accepts ``very-high``, ``high``, ``medium``, ``low``; RuleMeta spellings
  such as ``very_high`` / ``"very high"`` are normalised, anything else is left out.
* ``security-severity`` (a string, ``"0.0"``..``"10.0"``) is set on rules tagged ``security``
  (a CWE adds that tag): ``RuleMeta.security_severity`` when given, else by severity
  (error 8.0 = high, warning 5.5 = medium, note 3.0 = low).
* URIs are percent-encoded (GitHub's action ``decodeURIComponent``-s them) and relative to the
  git checkout that holds ``report.root`` (the nearest ancestor with a ``.git`` entry), else to
  ``report.root``; ``originalUriBaseIds["%SRCROOT%"]`` is that folder as a ``file:`` URI.
* GitHub's soft limits: at most 10 tags per rule and 100 related locations per result are
  emitted. The number of results is not capped (GitHub rejects runs of more than 25,000).
* The output is deterministic (sorted rules, findings and notifications; no timestamps) and ASCII
  (``json.dumps`` escapes), so it can be written through any stream encoding.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attr
import sarif_om as om

from archlint import __version__
from archlint.model import (
    Finding,
    Notification,
    NotificationKind,
    Related,
    Report,
    RuleMeta,
    Severity,
    Span,
)
from archlint.model import Fix as ModelFix
from archlint.output.fingerprint import line_hashes

__all__ = ["SCHEMA_URI", "SRCROOT", "build_sarif_log", "render_sarif", "sarif_to_dict"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
TOOL_NAME = "archlint"
INFORMATION_URI = "https://github.com/archlint/archlint"

MAX_TAGS = 10  # GitHub keeps the first 10 tags of a rule (and rejects more than 20)
MAX_RELATED = 100  # GitHub shows 100 related locations of a result (and rejects more than 1,000)
CONTEXT_LINES = 2  # lines of context above and below a finding in contextRegion
MAX_CONTEXT_SPAN = 20  # no contextRegion for findings that span more lines than this

PRECISIONS = ("very-high", "high", "medium", "low")
DEFAULT_SECURITY_SEVERITY = {Severity.ERROR: 8.0, Severity.WARNING: 5.5, Severity.NOTE: 3.0}

_ERROR_KINDS = frozenset({NotificationKind.INTERNAL_ERROR, NotificationKind.WORKER_CRASH})
_KIND_ORDER = {kind: i for i, kind in enumerate(NotificationKind)}
_KIND_DESCRIPTIONS = {
    NotificationKind.PARSE_ERROR: "A file could not be parsed as Python; it has no findings.",
    NotificationKind.DECODE_ERROR: "A file could not be decoded (PEP 263); it was not analysed.",
    NotificationKind.UNREADABLE: "A file could not be read; it was not analysed.",
    NotificationKind.SYMLINK_LOOP: "A symbolic link loop was found; the path was skipped.",
    NotificationKind.INTERNAL_ERROR: (
        "archlint failed while analysing a file (a bug in archlint); findings may be missing."
    ),
    NotificationKind.WORKER_CRASH: (
        "An archlint worker process crashed; the files it held were not analysed."
    ),
    NotificationKind.RULE_NOTE: (
        "A rule could not check part of the project (its message says what and why)."
    ),
}

# ------------------------------------------------------------------------------------------------
# The serializer: attrs objects of sarif_om -> JSON-ready dicts.
# ------------------------------------------------------------------------------------------------

_SET_FIELDS = "_archlint_set_fields"  # on an instance: the constructor arguments, in order
_NO_DEFAULT = object()


@dataclass(frozen=True)
class _Field:
    name: str
    json_name: str
    default: Any  # _NO_DEFAULT for a required field


_FIELDS: dict[type, tuple[tuple[_Field, ...], dict[str, _Field]]] = {}


def _fields_of(cls: type) -> tuple[tuple[_Field, ...], dict[str, _Field]]:
    cached = _FIELDS.get(cls)
    if cached is None:
        fields = []
        for f in attr.fields(cls):
            default = f.default
            if default is attr.NOTHING:
                default = _NO_DEFAULT
            elif isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            fields.append(_Field(f.name, f.metadata.get("schema_property_name", f.name), default))
        cached = (tuple(fields), {f.name: f for f in fields})
        _FIELDS[cls] = cached
    return cached


def _om(cls: type, **kwargs: Any) -> Any:
    """Construct a sarif_om object and remember which fields were given (they are always written)."""
    obj = cls(**kwargs)
    obj.__dict__[_SET_FIELDS] = tuple(kwargs)
    return obj


def sarif_to_dict(value: Any) -> Any:
    """Turn a sarif_om object tree into JSON-ready dicts and lists.

    A field is written when it was passed to the constructor via :func:`_om` (in that order), when
    it is required, or when its value differs from the attrs default; ``None`` is never written.
    Attributes that are not attrs fields (the extra keys of a ``PropertyBag``, set with
    ``setattr``) are written under their own name, after the fields.
    """
    if attr.has(type(value)):
        fields, by_name = _fields_of(type(value))
        state = value.__dict__
        out: dict[str, Any] = {}
        given = state.get(_SET_FIELDS, ())
        for name in given:
            v = state[name]
            if v is not None:
                out[by_name[name].json_name] = sarif_to_dict(v)
        for f in fields:
            if f.name in given:
                continue
            v = state[f.name]
            if v is None or (f.default is not _NO_DEFAULT and v == f.default):
                continue
            out[f.json_name] = sarif_to_dict(v)
        if len(state) > len(fields) + (_SET_FIELDS in state):
            for key, v in state.items():
                if key not in by_name and key != _SET_FIELDS and v is not None:
                    out[key] = sarif_to_dict(v)
        return out
    if isinstance(value, dict):
        return {str(k): sarif_to_dict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sarif_to_dict(v) for v in value]
    return value


def _property_bag(tags: Sequence[str] = (), **extra: Any) -> Any:
    """A PropertyBag with ``tags`` and arbitrary keys (``security-severity`` is not an identifier,
    so pass such keys through ``**{"security-severity": ...}``)."""
    bag = _om(om.PropertyBag, tags=list(tags)) if tags else _om(om.PropertyBag)
    for key, value in extra.items():
        setattr(bag, key, value)
    return bag


# ------------------------------------------------------------------------------------------------
# Rule metadata
# ------------------------------------------------------------------------------------------------

_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]+)\)")
_MD_CODE = re.compile(r"`+([^`\n]*?)`+")
_MD_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")


def _sections(docs: str) -> dict[str, str]:
    """The ``## Heading`` sections of a rule's docs (a ``#`` line inside a code fence is code)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_code = False
    for line in docs.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
            continue
        if current is not None:
            current.append(line)
    return {title: "\n".join(lines).strip() for title, lines in sections.items()}


def _plain_text(markdown: str) -> str:
    """A plain-text reading of a rule's markdown docs: no heading marks, fences, backticks or
    link syntax; code blocks indented by four spaces."""
    out: list[str] = []
    in_code = False
    for line in markdown.strip().splitlines():
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            out.append(("    " + line).rstrip())
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _MD_LINK.sub(r"\1 (\2)", line)
        line = _MD_CODE.sub(r"\1", line)
        line = _MD_BOLD.sub(r"\1", line)
        out.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _precision(value: str) -> str | None:
    key = re.sub(r"[\s_]+", "-", value.strip().lower())
    if key == "veryhigh":
        key = "very-high"
    return key if key in PRECISIONS else None


def _rule_tags(meta: RuleMeta) -> list[str]:
    tags = list(meta.tags)
    if meta.cwe is not None:
        tags += ["security", f"external/cwe/cwe-{meta.cwe}"]
    unique = [t for t in dict.fromkeys(tags) if t]
    if len(unique) > MAX_TAGS:  # keep the security tags GitHub relies on, then the first others
        keep = {t for t in unique if t == "security" or t.startswith("external/cwe/")}
        budget = MAX_TAGS - len(keep)
        trimmed = []
        for tag in unique:
            if tag in keep:
                trimmed.append(tag)
            elif budget > 0:
                trimmed.append(tag)
                budget -= 1
        unique = trimmed
    return unique[:MAX_TAGS]


def _security_severity(meta: RuleMeta) -> str:
    value = meta.security_severity
    if value is None:
        value = DEFAULT_SECURITY_SEVERITY[meta.severity]
    return f"{min(max(float(value), 0.0), 10.0):.1f}"


def _descriptor(meta: RuleMeta) -> Any:
    docs = (meta.docs or "").strip()
    sections = _sections(docs)
    title = meta.name.replace("-", " ")
    short = _plain_text(meta.summary) or title
    full_parts = [sections.get("What it does", ""), sections.get("Why is this bad?", "")]
    full = _plain_text("\n\n".join(p for p in full_parts if p)) or short
    tags = _rule_tags(meta)
    extra: dict[str, Any] = {}
    precision = _precision(meta.precision or "")
    if precision:
        extra["precision"] = precision
    if "security" in tags:
        extra["security-severity"] = _security_severity(meta)
    return _om(
        om.ReportingDescriptor,
        id=meta.code,
        name=meta.name,
        short_description=_om(om.MultiformatMessageString, text=short),
        full_description=_om(om.MultiformatMessageString, text=full),
        help=_om(
            om.MultiformatMessageString,
            text=_plain_text(docs) or short,
            markdown=docs or short,
        ),
        help_uri=meta.help_uri,
        default_configuration=_om(om.ReportingConfiguration, level=meta.severity.value),
        properties=_property_bag(tags, **extra),
    )


def _unknown_descriptor(finding: Finding) -> Any:
    """For a finding whose rule the report does not list (so that its ruleIndex resolves).

    GitHub's ingestion rules (GH2012) want fullDescription and help on every descriptor; a name
    equal to the id (case aside) is an error for the SARIF validator (SARIF1001): none then."""
    title = finding.name.replace("-", " ") if finding.name else finding.code
    text = f"{title}: a rule this report does not describe ({finding.code})."
    return _om(
        om.ReportingDescriptor,
        id=finding.code,
        name=finding.name if finding.name.lower() not in ("", finding.code.lower()) else None,
        short_description=_om(om.MultiformatMessageString, text=title),
        full_description=_om(om.MultiformatMessageString, text=text),
        help=_om(om.MultiformatMessageString, text=text, markdown=text),
        default_configuration=_om(om.ReportingConfiguration, level=finding.severity.value),
    )


# ------------------------------------------------------------------------------------------------
# Files: URIs, fingerprints, snippets
# ------------------------------------------------------------------------------------------------

_URI_SAFE = "/!$&'()*+,;=@"  # plus letters, digits and "-._~"; ":" is encoded (scheme look-alike)


def find_checkout_root(root: str) -> tuple[str, str]:
    """Return (checkout root, root relative to it as a POSIX prefix, "" when the same).

    The checkout root is the nearest folder at or above ``root`` with a ``.git`` entry (a folder,
    or a file for worktrees and submodules); without one it is ``root`` itself.
    """
    start = os.path.abspath(root)
    current = start
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            rel = os.path.relpath(start, current)
            return current, "" if rel == os.curdir else Path(rel).as_posix()
        parent = os.path.dirname(current)
        if parent == current:
            return start, ""
        current = parent


def _dir_uri(path: str) -> str:
    uri = Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"


class _SourceFile:
    """One analysed file as GitHub's upload action reads it: UTF-8 with replacement, BOM kept."""

    __slots__ = ("clean", "hashes", "lines")

    def __init__(self, abs_path: str) -> None:
        self.hashes: list[str] | None = None
        self.lines: list[str] | None = None
        self.clean = False
        try:
            with open(abs_path, "rb") as fh:
                data = fh.read()
        except OSError:
            return
        text = data.decode("utf-8", errors="replace")
        self.clean = "\ufffd" not in text or _decodes_strictly(data)
        self.hashes = line_hashes(text)
        lines = re.split(r"\r\n|\r|\n", text)
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # the empty "line" after a final newline (it keeps its line hash)
        lines[0] = lines[0].removeprefix("\ufeff")
        self.lines = lines

    def line_hash(self, line: int) -> str | None:
        if self.hashes is None or not 1 <= line <= len(self.hashes):
            return None
        return self.hashes[line - 1]


def _decodes_strictly(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ------------------------------------------------------------------------------------------------
# Messages
# ------------------------------------------------------------------------------------------------

_LINK_LOOKALIKE = re.compile(r"\[([^\[\]]*)\]\(")


def _escape_links(text: str) -> str:
    """Escape ``[text](`` so that SARIF viewers do not read it as an embedded link."""
    return _LINK_LOOKALIKE.sub(r"\\[\1\\](", text)


def _link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if text and text[-1] not in ".!?":
        text += "."
    return text


def message_text(finding: Finding, related: Sequence[Related] | None = None) -> str:
    """The result's message: the finding's message, links to its related locations, its help."""
    related = finding.related[:MAX_RELATED] if related is None else related
    parts = [_sentence(_escape_links(finding.message)) or f"{finding.code} {finding.name}."]
    if related:
        links = "; ".join(
            f"[{_link_text(' '.join(r.message.split()) or 'related location')}]({i})"
            for i, r in enumerate(related, 1)
        )
        parts.append(f"Related: {links}.")
    if finding.help.strip():
        parts.append("Fix: " + _sentence(_escape_links(finding.help)))
    return " ".join(parts)


# ------------------------------------------------------------------------------------------------
# The log
# ------------------------------------------------------------------------------------------------


def _region(span: Span) -> Any:
    start_line = max(span.line, 1)
    start_column = max(span.column, 0) + 1
    end_line = max(span.end_line, start_line)
    end_column = max(span.end_column, 0) + 1
    if end_line == start_line and end_column < start_column:
        end_column = start_column
    return _om(
        om.Region,
        start_line=start_line,
        start_column=start_column,
        end_line=end_line,
        end_column=end_column,
    )


class _Builder:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.root = os.path.abspath(report.root)
        self.checkout, self.prefix = find_checkout_root(self.root)
        self._artifacts: dict[str, Any] = {}
        self._files: dict[str, _SourceFile] = {}

    # -- files --------------------------------------------------------------------------------
    def uri(self, path: str) -> str:
        rel = path.lstrip("/")
        if self.prefix:
            rel = f"{self.prefix}/{rel}" if rel else self.prefix
        return urllib.parse.quote(rel, safe=_URI_SAFE)

    def artifact(self, path: str) -> Any:
        art = self._artifacts.get(path)
        if art is None:
            art = _om(om.ArtifactLocation, uri=self.uri(path), uri_base_id=SRCROOT)
            self._artifacts[path] = art
        return art

    def source(self, path: str) -> _SourceFile:
        src = self._files.get(path)
        if src is None:
            src = _SourceFile(os.path.join(self.root, *path.split("/")))
            self._files[path] = src
        return src

    def context_region(self, path: str, span: Span) -> Any | None:
        src = self.source(path)
        lines = src.lines
        if lines is None or not src.clean or span.end_line - span.line > MAX_CONTEXT_SPAN:
            return None
        if not 1 <= span.line <= span.end_line <= len(lines):
            return None
        first = max(1, span.line - CONTEXT_LINES)
        last = min(len(lines), span.end_line + CONTEXT_LINES)
        snippet = "\n".join(lines[first - 1 : last]) + "\n"
        return _om(
            om.Region,
            start_line=first,
            end_line=last,
            snippet=_om(om.ArtifactContent, text=snippet),
        )

    def physical(self, path: str, span: Span, *, context: bool = False) -> Any:
        kwargs: dict[str, Any] = {"artifact_location": self.artifact(path), "region": _region(span)}
        if context:
            ctx = self.context_region(path, span)
            if ctx is not None:
                kwargs["context_region"] = ctx
        return _om(om.PhysicalLocation, **kwargs)

    # -- rules --------------------------------------------------------------------------------
    def rules(self, findings: Iterable[Finding]) -> tuple[list[Any], dict[str, int]]:
        metas: dict[str, RuleMeta] = {}
        for meta in self.report.rules:
            metas.setdefault(meta.code, meta)
        descriptors = [_descriptor(metas[code]) for code in sorted(metas)]
        unknown: dict[str, Finding] = {}
        for finding in findings:
            if finding.code not in metas:
                unknown.setdefault(finding.code, finding)
        descriptors += [_unknown_descriptor(unknown[code]) for code in sorted(unknown)]
        index = {d.id: i for i, d in enumerate(descriptors)}
        return descriptors, index

    # -- results ------------------------------------------------------------------------------
    def result(self, finding: Finding, rule_index: int) -> Any:
        related = finding.related[:MAX_RELATED]
        kwargs: dict[str, Any] = {
            "rule_id": finding.code,
            "rule_index": rule_index,
            "level": finding.severity.value,
            "message": _om(om.Message, text=message_text(finding, related)),
            "locations": [
                _om(
                    om.Location,
                    physical_location=self.physical(finding.path, finding.span, context=True),
                )
            ],
        }
        if related:
            kwargs["related_locations"] = [
                _om(
                    om.Location,
                    id=i,
                    message=_om(om.Message, text=r.message or "related location"),
                    physical_location=self.physical(r.path or finding.path, r.span),
                )
                for i, r in enumerate(related, 1)
            ]
        line_hash = self.source(finding.path).line_hash(finding.span.line)
        if line_hash is not None:
            kwargs["partial_fingerprints"] = {"primaryLocationLineHash": line_hash}
        if finding.fix is not None and finding.fix.edits:
            kwargs["fixes"] = [self.fix(finding.path, finding.fix)]
        return _om(om.Result, **kwargs)

    def fix(self, path: str, fix: ModelFix) -> Any:
        replacements = []
        for edit in fix.edits:
            kwargs: dict[str, Any] = {"deleted_region": _region(edit.span)}
            if edit.replacement:
                kwargs["inserted_content"] = _om(om.ArtifactContent, text=edit.replacement)
            replacements.append(_om(om.Replacement, **kwargs))
        return _om(
            om.Fix,
            description=_om(om.Message, text=fix.description or "Apply archlint's fix."),
            artifact_changes=[
                _om(
                    om.ArtifactChange,
                    artifact_location=self.artifact(path),
                    replacements=replacements,
                )
            ],
            properties=_property_bag(safe=fix.safe),
        )

    # -- notifications ------------------------------------------------------------------------
    def notifications(self, rule_index: dict[str, int]) -> tuple[list[Any], list[Any], bool]:
        items = sorted(
            self.report.notifications,
            key=lambda n: (
                n.path,
                n.line or 0,
                n.column or 0,
                _KIND_ORDER[n.kind],
                n.message,
            ),
        )
        kinds = sorted({n.kind for n in items}, key=_KIND_ORDER.__getitem__)
        kind_index = {kind: i for i, kind in enumerate(kinds)}
        descriptors = [
            _notification_descriptor(kind)
            for kind in kinds
        ]
        out = [self.notification(n, kind_index[n.kind], rule_index) for n in items]
        successful = not any(n.kind in _ERROR_KINDS for n in items)
        return descriptors, out, successful

    def notification(
        self, note: Notification, descriptor_index: int, rule_index: dict[str, int]
    ) -> Any:
        kwargs: dict[str, Any] = {
            "level": _level(note.kind),
            "message": _om(om.Message, text=note.message.strip() or _KIND_DESCRIPTIONS[note.kind]),
            "descriptor": _om(
                om.ReportingDescriptorReference, id=note.kind.value, index=descriptor_index
            ),
        }
        if note.rule:
            ref: dict[str, Any] = {"id": note.rule}
            if note.rule in rule_index:
                ref["index"] = rule_index[note.rule]
            kwargs["associated_rule"] = _om(om.ReportingDescriptorReference, **ref)
        if note.path:
            physical: dict[str, Any] = {"artifact_location": self.artifact(note.path)}
            if note.line is not None and note.line >= 1:
                region: dict[str, Any] = {"start_line": note.line}
                if note.column is not None and note.column >= 0:
                    region["start_column"] = note.column + 1
                physical["region"] = _om(om.Region, **region)
            kwargs["locations"] = [
                _om(om.Location, physical_location=_om(om.PhysicalLocation, **physical))
            ]
        return _om(om.Notification, **kwargs)

    # -- all of it ----------------------------------------------------------------------------
    def log(self) -> Any:
        findings = sorted(
            self.report.findings, key=lambda f: (f.sort_key, f.span, f.message, f.help)
        )
        rules, rule_index = self.rules(findings)
        results = [self.result(f, rule_index[f.code]) for f in findings]
        note_descriptors, notifications, successful = self.notifications(rule_index)
        driver: dict[str, Any] = {
            "name": TOOL_NAME,
            "version": __version__,
            "information_uri": INFORMATION_URI,
        }
        if re.fullmatch(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?", __version__):
            driver["semantic_version"] = __version__
        driver["rules"] = rules
        if note_descriptors:
            driver["notifications"] = note_descriptors
        run = _om(
            om.Run,
            tool=_om(om.Tool, driver=_om(om.ToolComponent, **driver)),
            invocations=[
                _om(
                    om.Invocation,
                    execution_successful=successful,
                    tool_execution_notifications=notifications,
                )
            ],
            original_uri_base_ids={SRCROOT: _om(om.ArtifactLocation, uri=_dir_uri(self.checkout))},
            column_kind="unicodeCodePoints",
            results=results,
        )
        return _om(om.SarifLog, schema_uri=SCHEMA_URI, version=SARIF_VERSION, runs=[run])


def _notification_descriptor(kind: NotificationKind) -> Any:
    """GitHub's ingestion rules (GH2012) want fullDescription and help on every descriptor, the
    SARIF validator a name other than the id, case aside (SARIF1001): "parse-error" is named
    "ParseError", "unreadable" has no name."""
    text = _KIND_DESCRIPTIONS[kind]
    name = "".join(part.capitalize() for part in kind.value.split("-"))
    return _om(
        om.ReportingDescriptor,
        id=kind.value,
        name=None if name.lower() == kind.value else name,
        short_description=_om(om.MultiformatMessageString, text=text),
        full_description=_om(om.MultiformatMessageString, text=text),
        help=_om(om.MultiformatMessageString, text=text, markdown=text),
        default_configuration=_om(om.ReportingConfiguration, level=_level(kind)),
    )


def _level(kind: NotificationKind) -> str:
    return "error" if kind in _ERROR_KINDS else "warning"


def build_sarif_log(report: Report) -> om.SarifLog:
    """The report as a sarif_om ``SarifLog`` (serialize it with :func:`sarif_to_dict`)."""
    return _Builder(report).log()


def render_sarif(report: Report) -> str:
    """The report as a SARIF 2.1.0 document (JSON text, ASCII, two-space indent)."""
    return json.dumps(sarif_to_dict(build_sarif_log(report)), indent=2)
