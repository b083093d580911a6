"""The command line: parse input, call the api, render. Nothing else lives here.

Exit codes: 0 nothing at or above --fail-on; 1 findings (or files that could not be parsed);
2 usage, config or internal error.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from archlint import __version__
from archlint.api import CheckOptions, FixOutcome, check, layers_of
from archlint.api import fix as apply_fixes
from archlint.config import ConfigError, Settings, check_selectors, is_enabled, load_settings
from archlint.engine.baseline import BaselineError
from archlint.engine.discover import PathNotFound
from archlint.model import NotificationKind, Report, Severity
from archlint.output.common import NOT_PARSED
from archlint.output.concise import render_concise
from archlint.output.github import render_github
from archlint.output.json import render_json
from archlint.output.layers import render_layers_json, render_layers_text
from archlint.output.text import render_text
from archlint.rules.registry import all_rules, by_code_or_name
from archlint.starter import StarterError, write_starter

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="archlint: architecture, resilience, observability and OAuth/Zero-Trust rules for "
    "Python backends.",
)
PROGRESS_MIN_FILES = 200


class Format(str, enum.Enum):
    text = "text"
    concise = "concise"
    json = "json"
    sarif = "sarif"
    github = "github"


class LayersFormat(str, enum.Enum):
    text = "text"
    json = "json"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    note = "note"


def _fail(message: str) -> typer.Exit:
    # Escaped: messages quote config tables ("[tool.archlint]") that rich would take as markup.
    Console(stderr=True).print(f"[bold red]error[/]: {escape(message)}", highlight=False)
    return typer.Exit(2)


def _split_codes(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(out)


def _settings(paths: list[Path], config: Path | None, no_config: bool) -> Settings:
    start = paths[0] if paths else Path.cwd()
    return load_settings(start, config_file=config, use_config=not no_config)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"archlint {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    pass


@app.command("check")
def check_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: .)")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to FILE.")] = None,
    select: Annotated[list[str] | None, typer.Option(help="Rules to run: codes, prefixes or names (replaces the config's select).")] = None,
    extend_select: Annotated[list[str] | None, typer.Option(help="Rules to run in addition.")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Rules to skip (added to the config's ignore).")] = None,
    config: Annotated[Path | None, typer.Option(help="Config file (pyproject.toml or archlint.toml).")] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Ignore config files.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write .archlint_cache/.")] = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")] = False,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Lowest severity that makes the exit code 1.")] = FailOn.note,
    list_unused_suppressions: Annotated[bool, typer.Option("--list-unused-suppressions", help="Report suppression comments that suppressed nothing.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Leave out the findings recorded in this baseline file.")] = None,
    write_baseline: Annotated[Path | None, typer.Option("--write-baseline", help="Record this scan's findings in FILE (they are left out from then on).")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe fixes of the findings, then report what is left.")] = False,
    unsafe_fixes: Annotated[bool, typer.Option("--unsafe-fixes", help="With --fix or --diff: the unsafe fixes too (see each rule's docs).")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the fixes as a unified diff; change no file.")] = False,
) -> None:
    """Scan PATHS and report findings."""
    paths = paths or [Path(".")]
    if output is not None and not output.parent.resolve().is_dir():
        raise _fail(f"--output {output}: folder {output.parent} does not exist")
    try:
        settings = _settings(paths, config, no_config)
        chosen = {"select": _split_codes(select or []),
                  "extend-select": _split_codes(extend_select or []),
                  "ignore": _split_codes(ignore or [])}
        for key, values in chosen.items():
            if values:
                check_selectors(values, f"--{key}")
        settings = settings.with_selection(chosen["select"], chosen["extend-select"],
                                           chosen["ignore"])
    except ConfigError as exc:
        raise _fail(str(exc)) from None

    if write_baseline is not None and not write_baseline.parent.resolve().is_dir():
        raise _fail(f"--write-baseline {write_baseline}: folder {write_baseline.parent} does not "
                    "exist")
    options = CheckOptions(jobs=jobs, use_cache=not no_cache,
                           list_unused_suppressions=list_unused_suppressions,
                           baseline=baseline, write_baseline=write_baseline)
    if unsafe_fixes and not (fix or diff):
        raise _fail("--unsafe-fixes needs --fix or --diff")
    if fix and diff:
        raise _fail("--fix writes the fixes and --diff only shows them: choose one")
    err = Console(stderr=True)
    try:
        if fix or diff:
            outcome = apply_fixes(paths, settings, options, unsafe=unsafe_fixes, write=fix)
            report = outcome.report
            _tell_fixes(outcome, err, write=fix)
            if diff:  # the diff is the output; exit 1 when there is something to apply
                sys.stdout.write("".join(outcome.diffs))
                raise typer.Exit(1 if outcome.fixed else 0)
        elif err.is_terminal:
            report = _check_with_progress(paths, settings, options, err)
        else:
            report = check(paths, settings, options)
    except (PathNotFound, BaselineError) as exc:
        raise _fail(str(exc)) from None

    if write_baseline is not None:
        err.print(f"archlint: recorded {report.baselined} finding"
                  f"{'s' if report.baselined != 1 else ''} in {write_baseline}",
                  highlight=False, markup=False)
    _write(report, format, output)
    if debug:
        for n in report.notifications:
            if n.detail:
                err.print(f"[bold]{n.path} ({n.rule or n.kind.value})[/]", highlight=False)
                err.print(n.detail, highlight=False, markup=False)
    raise typer.Exit(_exit_code(report, exit_zero, Severity(fail_on.value)))


def _tell_fixes(outcome: FixOutcome, err: Console, *, write: bool) -> None:
    count, files = sum(outcome.fixed.values()), len(outcome.fixed)
    verb = "fixed" if write else "would fix"
    err.print(f"archlint: {verb} {count} finding{'s' if count != 1 else ''} in {files} "
              f"file{'s' if files != 1 else ''}", highlight=False, markup=False)
    if outcome.unsafe_left:
        err.print(f"archlint: {outcome.unsafe_left} more with --unsafe-fixes (see the rules' "
                  "docs: these fixes can change behaviour)", highlight=False, markup=False)
    for path, why in outcome.refused:
        err.print(f"archlint: {path}: fixes not applied: {why}", highlight=False, markup=False)


def _check_with_progress(paths: list[Path], settings: Settings, options: CheckOptions,
                         err: Console) -> Report:
    progress = Progress(
        TextColumn("archlint"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    )
    task = None

    def on_start(total: int) -> None:
        nonlocal task
        if total >= PROGRESS_MIN_FILES:
            progress.start()
            task = progress.add_task("scan", total=total)

    def on_progress(n: int) -> None:
        if task is not None:
            progress.advance(task, n)

    try:
        return check(paths, settings, options, on_start=on_start, on_progress=on_progress)
    finally:
        progress.stop()


def _write(report: Report, format: Format, output: Path | None) -> None:
    if format is Format.text:
        if output is None:
            render_text(report, Console(soft_wrap=True))
            return
        with open(output, "w", encoding="utf-8") as fh:
            render_text(report, Console(file=fh, no_color=True, width=120, soft_wrap=True))
        return
    if format is Format.sarif:
        # Imported on demand: sarif-om costs a tenth of the start-up of every other run.
        from archlint.output.sarif import render_sarif

        text = render_sarif(report)
    else:
        renderers = {
            Format.concise: render_concise,
            Format.json: render_json,
            Format.github: render_github,
        }
        text = renderers[format](report)
    if not text.endswith("\n"):
        text += "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _exit_code(report: Report, exit_zero: bool, fail_on: Severity) -> int:
    if any(n.kind in (NotificationKind.INTERNAL_ERROR, NotificationKind.WORKER_CRASH)
           for n in report.notifications):
        return 2
    if exit_zero:
        return 0
    if any(f.severity.rank >= fail_on.rank for f in report.findings):
        return 1
    if any(n.kind in NOT_PARSED for n in report.notifications):
        return 1
    return 0


@app.command("rules")
def rules_command(
    config: Annotated[Path | None, typer.Option(help="Config file to read selection from.")] = None,
    no_config: Annotated[bool, typer.Option("--no-config")] = False,
) -> None:
    """List every rule, and whether the current config enables it."""
    try:
        settings = _settings([Path.cwd()], config, no_config)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    table = Table(title="archlint rules")
    for column in ("code", "name", "severity", "enabled", "scope"):
        # A code is never shortened: on a narrow terminal the other columns give way.
        table.add_column(column, no_wrap=True, min_width=6 if column == "code" else None)
    table.add_column("summary", overflow="fold", min_width=24)
    for rule in all_rules():
        meta = rule.meta()
        enabled = "yes" if is_enabled(rule, settings) else (
            "no" if meta.default_enabled else "off by default")
        table.add_row(meta.code, meta.name, meta.severity.value, enabled, meta.scope, meta.summary)
    console = Console()
    if not console.is_terminal:  # piped or redirected: no terminal width to respect
        console = Console(width=200)
    console.print(table)


@app.command("explain")
def explain_command(
    rule: Annotated[str | None, typer.Argument(help="A rule code or name.")] = None,
    write_pages: Annotated[Path | None, typer.Option(
        "--write-pages", help="Write every rule's page (docs/rules/ARCxxx.md) into FOLDER.")] = None,
) -> None:
    """Show a rule's documentation."""
    if write_pages is not None:
        from archlint.output.rule_pages import write_pages as write

        for page in write(write_pages, (r.meta() for r in all_rules())):
            typer.echo(page)
        return
    if rule is None:
        raise _fail("name a rule (code or name), or pass --write-pages FOLDER")
    found = by_code_or_name(rule)
    if found is None:
        raise _fail(f"unknown rule {rule!r}; see `archlint rules`")
    from rich.markdown import Markdown  # only `explain` renders markdown

    meta = found.meta()
    console = Console()
    console.print(f"[bold]{meta.code} {meta.name}[/] ({meta.severity.value}"
                  f"{', CWE-' + str(meta.cwe) if meta.cwe else ''})", highlight=False)
    console.print(Markdown(meta.docs))


@app.command("layers")
def layers_command(
    path: Annotated[Path | None, typer.Argument(help="File or folder (default: .)")] = None,
    show_all: Annotated[bool, typer.Option("--all", "-a", help="List every module, not only the packages.")] = False,
    format: Annotated[LayersFormat, typer.Option("--format", "-f", help="Output format.")] = LayersFormat.text,
    config: Annotated[Path | None, typer.Option(help="Config file (pyproject.toml or archlint.toml).")] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Ignore config files.")] = False,
) -> None:
    """Show which module sits in which layer, and why (the files `check` would scan)."""
    paths = [path or Path(".")]
    try:
        report = layers_of(paths, _settings(paths, config, no_config))
    except (ConfigError, PathNotFound) as exc:
        raise _fail(str(exc)) from None
    if format is LayersFormat.json:
        sys.stdout.write(render_layers_json(report))
    else:
        render_layers_text(report, Console(soft_wrap=True), show_all=show_all)


@app.command("init")
def init_command(
    path: Annotated[Path | None, typer.Argument(help="A folder of the project (default: .)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the table; write nothing.")] = False,
) -> None:
    """Write a starter [tool.archlint] with the detected layers into pyproject.toml (or a new
    archlint.toml where there is no pyproject.toml). Refuses when archlint is configured."""
    start = path or Path(".")
    try:
        settings = load_settings(start)
        if settings.config_path is not None:
            raise StarterError(f"archlint is already configured in {settings.config_path}; "
                               f"edit it instead (`archlint layers` shows the layers it gives)")
        # The table serves the whole project: detect layers over its root, not only `path`.
        report = layers_of([settings.root], settings)
        written = write_starter(settings.root, report.roots(), dry_run=dry_run)
    except (ConfigError, PathNotFound, StarterError) as exc:
        raise _fail(str(exc)) from None
    console = Console(soft_wrap=True)
    if dry_run:
        verb = "would create" if written.created else "would add to"
    else:
        verb = "created" if written.created else "added to"
    console.print(f"archlint init: {verb} {written.path}:", highlight=False, markup=False)
    console.print(written.text.rstrip("\n"), highlight=False, markup=False)
    if not dry_run:
        console.print("See the result with `archlint layers`; `archlint check` uses it from "
                      "now on.", highlight=False, markup=False)


@app.command("server")
def server_command() -> None:
    """Run the language server over stdio (for editors; needs `pip install archlint[lsp]`)."""
    try:
        from archlint.lsp.server import serve  # pygls is optional: imported only here
    except ImportError as exc:
        raise _fail(f"`archlint server` needs pygls 2 ({exc}); install it with "
                    "`pip install 'archlint[lsp]'`") from None
    serve()


def main() -> None:
    app()
