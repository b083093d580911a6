"""Module-level constants as facts, folded across modules in the project phase: what number,
duration or flag a setting holds when it is defined two modules away from where it is used.

Per file (phase 1), from CPython's `ast` (no LibCST parse), `ConstantCollector` records one
`FileConstants` fact holding:

- `constants` (`Constant`): every module-level assignment `NAME = value` / `NAME: T = value`
  (also under `if`/`try`), and every assignment in the body of a module-level class, named
  `Class.NAME` (pydantic-settings `class Settings(BaseSettings): ACCESS_TOKEN_EXPIRE_MINUTES: int
  = 60`, Flask config classes, Django settings). Only values that can fold are kept: numbers,
  booleans, None, short strings, names and attributes, arithmetic, calls (with arguments that
  can fold) and dicts with string keys, whose entries are kept one by one (`SIMPLE_JWT = {...}`).
- `imports`/`stars`: what the module's imports bind (relative names kept: ".config.settings").
- `classes`: module-level classes and their bases as written (field inheritance).
- `factories`: module-level functions that return one expression (`@lru_cache def
  get_settings(): return Settings()`).
- `django_settings`: modules named by `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x")`.

Project phase: `constants(project)` (built once per scan) gives a `Constants` that answers
- `evaluate(module, expr)`: the value of an expression as written in `module` (source text or an
  `ast.expr`), as a `Folded`: a number, a duration (`datetime.timedelta(...)` with constant
  arguments, in seconds), an instant (`datetime.now()`/`utcnow()`/`time.time()`/
  `django.utils.timezone.now()` plus or minus durations: the offset in seconds), a bool, a
  string or None; with the constants it went through (`origins`, outermost first) and, when it
  came from an environment read, the variable's name (`env`).
- `locate(module, dotted)`: the constant a dotted name refers to, following `from x import Y`,
  `import x` + `x.Y`, re-exports and star imports through any number of modules, instances of
  project classes (`settings = Settings()` then `settings.X` is the class field `Settings.X`, also
  inherited from a project base class, and through `get_settings()` factories), and Django's
  `django.conf.settings.X` (the module `DJANGO_SETTINGS_MODULE` names, else modules named
  `settings` or inside a `settings` package, when they agree).
- `all()`: every recorded constant with its file and module.

Decisions:
- Environment reads fold to their default: `int(os.getenv("X", "60"))`,
  `os.environ.get("X", 60)`, python-decouple `config("X", default="60", cast=int)`, and
  pydantic-settings field defaults (`X: int = 60`, `Field(default=60)`, `Field(60)`), which an
  environment variable overrides too. The default is what the code ships and what runs where the
  variable is not set; `Folded.env` names the variable so messages can say so. A read without a
  default does not fold.
- Function locals are not followed here: a rule that wants them inlines them first (a name that
  is a local or a parameter must not be taken for a module constant of the same name).
- Nothing is imported or executed; anything else (a call of an unknown function, a comprehension,
  a conditional expression) does not fold, and callers stay quiet.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

from archlint.model import Span
from archlint.rules._ast import argument, dotted, import_bindings, simple_statements
from archlint.rules.architecture._project import structure
from archlint.rules.base import AstCollector, ProjectModel

_MAX_TEXT = 400  # longer values (tables, templates) are not settings worth folding
_MAX_DEPTH = 24


@dataclass(frozen=True, slots=True)
class Entry:
    """One `"KEY": value` pair of a dict constant with string keys."""

    key: str
    value: str  # the value's source
    span: Span  # the pair, key to value


@dataclass(frozen=True, slots=True)
class Constant:
    name: str  # "ACCESS_TOKEN_EXPIRE_MINUTES", or "Settings.ACCESS_TOKEN_EXPIRE_MINUTES"
    value: str  # the value's source (`ast.unparse`); "" for a dict (see `entries`)
    span: Span  # the assigned name
    value_span: Span
    entries: tuple[Entry, ...] = ()
    is_dict: bool = False

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]


@dataclass(frozen=True, slots=True)
class FileConstants:
    constants: tuple[Constant, ...]
    imports: tuple[tuple[str, str], ...]  # local name -> qualified (relative kept)
    stars: tuple[str, ...]
    classes: tuple[tuple[str, tuple[str, ...]], ...]  # class -> its bases as written
    factories: tuple[tuple[str, str], ...]  # function -> source of the one returned expression
    django_settings: tuple[str, ...] = ()


_FOLDABLE = (ast.Constant, ast.Name, ast.Attribute, ast.BinOp, ast.UnaryOp, ast.Call,
             ast.keyword, ast.operator, ast.unaryop, ast.expr_context, ast.Dict)


_MAX_NODES = 200  # a settings value is small; a bigger expression is data (or hostile nesting)


def _foldable(expr: ast.expr) -> bool:
    for count, node in enumerate(ast.walk(expr)):
        if count > _MAX_NODES or not isinstance(node, _FOLDABLE):
            return False  # also keeps ast.unparse (recursive) off deeply nested input
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) \
                and len(node.value) > 200:
            return False
    return True


class ConstantCollector(AstCollector):
    kind = "constants"

    def collect(self) -> list[FileConstants]:
        constants: list[Constant] = []
        imports: dict[str, str] = {}
        stars: list[str] = []
        classes: list[tuple[str, tuple[str, ...]]] = []
        factories: list[tuple[str, str]] = []
        django: list[str] = []
        for stmt in _module_statements(self.tree.body):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for local, target in import_bindings(stmt):
                    if local == "*":
                        stars.append(target)
                    else:
                        imports.setdefault(local, target)  # the first import of a name wins
            elif isinstance(stmt, ast.ClassDef):
                bases = tuple(text for b in stmt.bases for text in (dotted(b),) if text)
                classes.append((stmt.name, bases))
                for inner in simple_statements(stmt.body):
                    constants.extend(self._assigned(inner, f"{stmt.name}."))
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                returned = _single_return(stmt)
                if returned is not None:
                    factories.append((stmt.name, returned))
            else:
                constants.extend(self._assigned(stmt, ""))
                django.extend(_django_settings_module(stmt))
        if not (constants or classes or factories or django or imports or stars):
            return []
        return [FileConstants(tuple(constants), tuple(imports.items()), tuple(stars),
                              tuple(classes), tuple(factories), tuple(django))]

    def _assigned(self, stmt: ast.stmt, prefix: str) -> Iterator[Constant]:
        if isinstance(stmt, ast.Assign):
            targets = [t for t in stmt.targets if isinstance(t, ast.Name)]
            value = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            return
        if not targets:
            return
        if isinstance(value, ast.Dict):  # settings dicts: each entry on its own
            entries = tuple(
                Entry(key.value, ast.unparse(item),
                      _join(self.span_of(key), self.span_of(item)))
                for key, item in zip(value.keys, value.values)
                if isinstance(key, ast.Constant) and isinstance(key.value, str)
                and _foldable(item) and len(ast.unparse(item)) <= _MAX_TEXT)
            for target in targets:
                yield Constant(prefix + target.id, "", self.span_of(target), self.span_of(value),
                               entries, True)
            return
        if not _foldable(value):
            return
        text = ast.unparse(value)
        if len(text) > _MAX_TEXT:
            return
        for target in targets:
            yield Constant(prefix + target.id, text, self.span_of(target), self.span_of(value))


def _join(first: Span, last: Span) -> Span:
    return Span(first.line, first.column, last.end_line, last.end_column)


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, also under `if`/`try`/`with`, with classes and functions (not
    entered)."""
    for stmt in body:
        if isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
            for name in ("body", "orelse", "finalbody"):
                yield from _module_statements(getattr(stmt, name, []) or [])
            for handler in getattr(stmt, "handlers", ()):
                yield from _module_statements(handler.body)
        else:
            yield stmt


def _single_return(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """`def get_settings(): return Settings()` (a docstring allowed): the returned expression."""
    body = [s for s in node.body
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None \
            and isinstance(body[0].value, (ast.Call, ast.Name, ast.Attribute)) \
            and _foldable(body[0].value):
        return ast.unparse(body[0].value)
    return None


def _django_settings_module(stmt: ast.stmt) -> list[str]:
    """`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")` and
    `os.environ["DJANGO_SETTINGS_MODULE"] = "..."`."""
    found = []
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        if isinstance(call.func, ast.Attribute) and call.func.attr == "setdefault" \
                and len(call.args) == 2 and _text(call.args[0]) == "DJANGO_SETTINGS_MODULE":
            value = _text(call.args[1])
            if value:
                found.append(value)
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Subscript) \
            and _text(stmt.targets[0].slice) == "DJANGO_SETTINGS_MODULE":
        value = _text(stmt.value)
        if value:
            found.append(value)
    return found


def _text(expr: ast.expr | None) -> str | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


# -- the project phase ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Located:
    """A recorded constant, and where."""

    path: str
    module: str
    constant: Constant

    def where(self) -> str:
        return f"{self.path}:{self.constant.span.line}"


NUMBER, DURATION, INSTANT, BOOL, STRING, NONE = (
    "number", "duration", "instant", "bool", "string", "none")


@dataclass(frozen=True, slots=True)
class Folded:
    """A value folded at analysis time. `value`: the number; a duration's or an instant's offset
    from now in seconds; the bool, string or None."""

    kind: str
    value: float | int | bool | str | None
    origins: tuple[Located, ...] = ()  # the constants it went through, outermost first
    env: str | None = None  # the environment variable whose default this is

    @property
    def seconds(self) -> float | None:
        return float(self.value) if self.kind in (DURATION, INSTANT) \
            and isinstance(self.value, (int, float)) else None


_TIMEDELTA = ("datetime.timedelta", "datetime.datetime.timedelta")
# timedelta's positional order, and seconds per unit
_TIMEDELTA_UNITS = (("days", 86400.0), ("seconds", 1.0), ("microseconds", 1e-6),
                    ("milliseconds", 1e-3), ("minutes", 60.0), ("hours", 3600.0),
                    ("weeks", 604800.0))
UNIT_SECONDS = dict(_TIMEDELTA_UNITS)
_NOW = frozenset({
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "time.time", "django.utils.timezone.now", "arrow.utcnow", "arrow.now", "pendulum.now",
    "pendulum.today",
})
_ENV_READS = frozenset({"os.getenv", "os.environ.get", "decouple.config",
                        "os.environ.setdefault"})
_ENV_READERS = frozenset({"decouple.AutoConfig", "decouple.Config"})
_FIELDS = frozenset({"pydantic.Field", "pydantic.fields.Field", "sqlmodel.Field",
                     "dataclasses.field", "pydantic_settings.Field", "attr.ib", "attrs.field"})
_DJANGO_SETTINGS = "django.conf.settings"


class Constants:
    def __init__(self, project: ProjectModel) -> None:
        self.modules = structure(project).modules
        self.files: dict[str, tuple[str, FileConstants]] = {}  # module -> (path, fact)
        self.by_name: dict[str, dict[str, Constant]] = {}
        for path, fact in project.of(ConstantCollector.kind):
            module = self.modules.module_of.get(path)
            if module is None or module in self.files or not isinstance(fact, FileConstants):
                continue
            self.files[module] = (path, fact)
            table: dict[str, Constant] = {}
            for constant in fact.constants:
                table[constant.name] = constant  # the last assignment wins, as at run time
            self.by_name[module] = table
        declared = [name for _, (_, fact) in sorted(self.files.items())
                    for name in fact.django_settings]
        self.django_modules = [m for m in dict.fromkeys(declared) if m in self.files] or sorted(
            m for m in self.files
            if m.rpartition(".")[2] == "settings" or ".settings." in f".{m}.")

    # -- what is recorded ---------------------------------------------------------------------------
    def all(self) -> Iterator[Located]:
        for module, (path, fact) in sorted(self.files.items()):
            table = self.by_name[module]
            for constant in fact.constants:
                if table.get(constant.name) is constant:
                    yield Located(path, module, constant)

    def path_of(self, module: str) -> str | None:
        found = self.files.get(module)
        return found[0] if found else None

    # -- names ------------------------------------------------------------------------------------
    def qualify(self, module: str, written: str) -> str | None:
        """The absolute dotted name an imported name stands for in `module` (None: not imported)."""
        found = self.files.get(module)
        if found is None:
            return None
        head, _, rest = written.partition(".")
        target = dict(found[1].imports).get(head)
        if target is None:
            return None
        absolute = self._absolute(target, module)
        if absolute is None:
            return None
        return f"{absolute}.{rest}" if rest else absolute

    def _absolute(self, name: str, module: str) -> str | None:
        level = len(name) - len(name.lstrip("."))
        found = self.modules.relative_to(module, name[level:], level)
        return self.modules.canonical(found) if found else None

    def locate(self, module: str, written: str, depth: int = 0) -> Located | None:
        """The constant a dotted name written in `module` refers to."""
        if depth > _MAX_DEPTH:
            return None
        parts = written.split(".")
        table = self.by_name.get(module, {})
        fact = self.files.get(module)
        classes = dict(fact[1].classes) if fact else {}
        head, rest = parts[0], parts[1:]
        if head in classes and rest:
            return self._field(module, head, rest, depth + 1)
        if head in table:
            constant = table[head]
            if not rest:
                return Located(fact[0], module, constant) if fact else None
            return self._attribute_of(module, constant.value, rest, depth + 1)
        if fact is not None:
            imported = dict(fact[1].imports).get(head)
            if imported is not None:
                target = self._absolute(imported, module)
                return self.resolve(".".join((target, *rest)), depth + 1) if target else None
            for star in fact[1].stars:
                target = self._absolute(star, module)
                if target and target in self.files and target != module:
                    found = self.locate(target, written, depth + 1)
                    if found is not None:
                        return found
        return None

    def resolve(self, name: str, depth: int = 0) -> Located | None:
        """The constant an absolute dotted name refers to."""
        if depth > _MAX_DEPTH:
            return None
        if name.startswith(_DJANGO_SETTINGS + "."):
            return self.django_setting(name[len(_DJANGO_SETTINGS) + 1:], depth + 1)
        parts = name.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:i])
            if module in self.files:
                return self.locate(module, ".".join(parts[i:]), depth + 1)
        return None

    def django_setting(self, name: str, depth: int = 0) -> Located | None:
        """A Django setting (`settings.SIMPLE_JWT`) in the settings modules: the one
        DJANGO_SETTINGS_MODULE names, else the modules named `settings`, when they agree."""
        found: list[Located] = []
        for module in self.django_modules:
            located = self.locate(module, name, depth + 1)
            if located is not None:
                found.append(located)
        if not found:
            return None
        values = {(f.constant.value, f.constant.entries) for f in found}
        return found[0] if len(values) == 1 else None

    def _field(self, module: str, cls: str, rest: list[str], depth: int) -> Located | None:
        """`Class.NAME` in `module`, or inherited from a project base class."""
        if depth > _MAX_DEPTH or len(rest) != 1:
            return None
        path, fact = self.files[module]
        constant = self.by_name[module].get(f"{cls}.{rest[0]}")
        if constant is not None:
            return Located(path, module, constant)
        for base in dict(fact.classes).get(cls, ()):
            where = self._class(module, base, depth + 1)
            if where is not None:
                found = self._field(where[0], where[1], rest, depth + 1)
                if found is not None:
                    return found
        return None

    def _class(self, module: str, written: str, depth: int) -> tuple[str, str] | None:
        """(module, class) that a name written in `module` refers to, when a project class."""
        if depth > _MAX_DEPTH:
            return None
        fact = self.files.get(module)
        if fact is None:
            return None
        if written in dict(fact[1].classes):
            return module, written
        absolute = self.qualify(module, written)
        if absolute is None:
            for star in fact[1].stars:
                target = self._absolute(star, module)
                if target and target != module:
                    found = self._class(target, written, depth + 1)
                    if found is not None:
                        return found
            return None
        parts = absolute.split(".")
        for i in range(len(parts) - 1, 0, -1):
            target = ".".join(parts[:i])
            if target in self.files:
                return self._class(target, ".".join(parts[i:]), depth + 1)
        return None

    def _attribute_of(self, module: str, value: str, rest: list[str],
                      depth: int) -> Located | None:
        """`settings.X` where `settings = Settings()` (or `get_settings()`, or an alias)."""
        if depth > _MAX_DEPTH or not value:
            return None
        try:
            expr = ast.parse(value, mode="eval").body
        except SyntaxError:
            return None
        if isinstance(expr, ast.Call):
            callee = dotted(expr.func)
            if callee is None:
                return None
            where = self._class(module, callee, depth + 1)
            if where is not None:
                return self._field(where[0], where[1], rest, depth + 1)
            factory = self._factory(module, callee, depth + 1)
            if factory is not None:
                return self._attribute_of(factory[0], factory[1], rest, depth + 1)
            return None
        written = dotted(expr)
        if written is None:
            return None
        return self.locate(module, ".".join((written, *rest)), depth + 1)

    def _factory(self, module: str, written: str, depth: int) -> tuple[str, str] | None:
        """(module, returned expression) of a project function that returns one expression."""
        fact = self.files.get(module)
        if fact is None or depth > _MAX_DEPTH:
            return None
        own = dict(fact[1].factories)
        if written in own:
            return module, own[written]
        absolute = self.qualify(module, written)
        if absolute is None:
            return None
        parts = absolute.split(".")
        for i in range(len(parts) - 1, 0, -1):
            target = ".".join(parts[:i])
            if target in self.files:
                return self._factory(target, ".".join(parts[i:]), depth + 1)
        return None

    # -- values -----------------------------------------------------------------------------------
    def evaluate(self, module: str, expr: str | ast.expr, depth: int = 0) -> Folded | None:
        """The value of `expr` as written in `module`, or None when it does not fold."""
        if isinstance(expr, str):
            try:
                expr = ast.parse(expr.strip(), mode="eval").body
            except SyntaxError:
                return None
        if depth > _MAX_DEPTH:
            return None
        try:
            return _Folder(self, module, depth).fold(expr)
        except (ArithmeticError, ValueError, TypeError, OverflowError):
            return None

    def value_of(self, located: Located, depth: int = 0) -> Folded | None:
        """A recorded constant's value, with itself as its first origin."""
        if located.constant.is_dict:
            return None
        folded = self.evaluate(located.module, located.constant.value, depth + 1)
        if folded is None:
            return None
        return replace(folded, origins=(located, *folded.origins))


class _Folder:
    def __init__(self, constants: Constants, module: str, depth: int) -> None:
        self.constants = constants
        self.module = module
        self.depth = depth

    def qualified(self, expr: ast.expr) -> str | None:
        written = dotted(expr)
        if written is None:
            return None
        return self.constants.qualify(self.module, written)

    def fold(self, expr: ast.expr) -> Folded | None:
        if isinstance(expr, ast.Constant):
            value = expr.value
            if isinstance(value, bool):
                return Folded(BOOL, value)
            if isinstance(value, (int, float)):
                return Folded(NUMBER, value)
            if isinstance(value, str):
                return Folded(STRING, value)
            if value is None:
                return Folded(NONE, None)
            return None
        if isinstance(expr, (ast.Name, ast.Attribute)):
            written = dotted(expr)
            if written is None:
                located = self.on_call(expr)
            else:
                located = self.constants.locate(self.module, written, self.depth + 1)
            if located is None:
                return None
            return self.constants.value_of(located, self.depth + 1)
        if isinstance(expr, ast.UnaryOp):
            operand = self.fold(expr.operand)
            if operand is None or operand.kind not in (NUMBER, DURATION) \
                    or isinstance(operand.value, bool):
                return None
            if isinstance(expr.op, ast.USub):
                return replace(operand, value=-operand.value)  # type: ignore[operator]
            if isinstance(expr.op, ast.UAdd):
                return operand
            return None
        if isinstance(expr, ast.BinOp):
            return self.binary(expr)
        if isinstance(expr, ast.Call):
            return self.call(expr)
        return None

    def made_by(self, func: ast.expr) -> str | None:
        """A module-level callable made by a known call: `config = decouple.AutoConfig(...)`
        reads the environment as `decouple.config` does."""
        if not isinstance(func, ast.Name):
            return None
        located = self.constants.locate(self.module, func.id, self.depth + 1)
        if located is None or not located.constant.value.endswith(")"):
            return None
        try:
            value = ast.parse(located.constant.value, mode="eval").body
        except SyntaxError:
            return None
        if not isinstance(value, ast.Call):
            return None
        written = dotted(value.func)
        maker = self.constants.qualify(located.module, written) if written else None
        return "decouple.config" if maker in _ENV_READERS else None

    def on_call(self, expr: ast.expr) -> Located | None:
        """`get_settings().X`: an attribute of what a call without arguments returns."""
        rest: list[str] = []
        while isinstance(expr, ast.Attribute):
            rest.insert(0, expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Call) or expr.args or expr.keywords or not rest:
            return None
        return self.constants._attribute_of(self.module, ast.unparse(expr), rest,
                                            self.depth + 1)

    def binary(self, expr: ast.BinOp) -> Folded | None:
        left, right = self.fold(expr.left), self.fold(expr.right)
        if left is None or right is None:
            return None
        if any(isinstance(v.value, bool) or not isinstance(v.value, (int, float))
               for v in (left, right)):
            return None
        kinds = (left.kind, right.kind)
        origins = (*left.origins, *right.origins)
        env = left.env or right.env
        a, b = left.value, right.value
        op = expr.op
        if kinds == (NUMBER, NUMBER):
            result = _arith(op, a, b)
            kind = NUMBER
        elif isinstance(op, (ast.Add, ast.Sub)) and kinds in (
                (DURATION, DURATION), (INSTANT, DURATION), (INSTANT, NUMBER)):
            result = _arith(op, a, b)
            kind = left.kind
        elif isinstance(op, ast.Add) and kinds in ((DURATION, INSTANT), (NUMBER, INSTANT)):
            result = a + b  # type: ignore[operator]
            kind = INSTANT
        elif isinstance(op, ast.Sub) and kinds == (INSTANT, INSTANT):
            result, kind = a - b, DURATION  # type: ignore[operator]
        elif isinstance(op, ast.Mult) and kinds in ((DURATION, NUMBER), (NUMBER, DURATION)):
            result, kind = a * b, DURATION  # type: ignore[operator]
        elif isinstance(op, (ast.Div, ast.FloorDiv)) and kinds == (DURATION, NUMBER):
            result, kind = _arith(op, a, b), DURATION
        elif isinstance(op, (ast.Div, ast.FloorDiv)) and kinds == (DURATION, DURATION):
            result, kind = _arith(op, a, b), NUMBER
        else:
            return None
        if result is None or (isinstance(result, float) and not math.isfinite(result)):
            return None
        return Folded(kind, result, origins, env)

    def call(self, call: ast.Call) -> Folded | None:
        func = call.func
        # methods of folded values: td.total_seconds(), now.timestamp()
        if isinstance(func, ast.Attribute) and not call.args and not call.keywords:
            if func.attr in ("total_seconds", "timestamp", "utctimetuple", "timetuple"):
                inner = self.fold(func.value)
                if inner is None:
                    return None
                if func.attr == "total_seconds" and inner.kind == DURATION:
                    return replace(inner, kind=NUMBER)
                if func.attr != "total_seconds" and inner.kind == INSTANT:
                    return inner
                return None
        qualified = self.qualified(func) or self.made_by(func)
        name = qualified or (func.id if isinstance(func, ast.Name) else None)
        if name in _TIMEDELTA:
            return self.timedelta(call)
        if name in _NOW or (qualified and qualified.rsplit(".", 1)[0] in _NOW_OBJECTS
                            and qualified.rsplit(".", 1)[1] in ("now", "utcnow")):
            return Folded(INSTANT, 0)
        if name in ("int", "float", "round", "calendar.timegm") and len(call.args) >= 1:
            inner = self.fold(call.args[0])
            if inner is None:
                return None
            if inner.kind == STRING:
                try:
                    number = float(str(inner.value))
                except ValueError:
                    return None
                return replace(inner, kind=NUMBER,
                               value=int(number) if name == "int" else number)
            if inner.kind in (NUMBER, INSTANT) and not isinstance(inner.value, bool):
                return inner
            return None
        if name in _ENV_READS:
            variable = _text(call.args[0]) if call.args else None
            default = argument(call, 1, "default")
            if variable is None or default is None:
                return None
            inner = self.fold(default)
            cast = argument(call, None, "cast")  # python-decouple: config("X", default="30", cast=int)
            if inner is not None and inner.kind == STRING and isinstance(cast, ast.Name) \
                    and cast.id in ("int", "float"):
                try:
                    number = float(str(inner.value))
                except ValueError:
                    return None
                inner = replace(inner, kind=NUMBER,
                                value=int(number) if cast.id == "int" else number)
            return replace(inner, env=variable) if inner is not None else None
        if name in _FIELDS or (qualified or "").endswith(".Field"):
            default = argument(call, 0, "default")
            if default is None or (isinstance(default, ast.Constant)
                                   and default.value is Ellipsis):
                return None
            return self.fold(default)
        return None

    def timedelta(self, call: ast.Call) -> Folded | None:
        total = 0.0
        origins: list[Located] = []
        env = None
        given = list(zip((u for u, _ in _TIMEDELTA_UNITS), call.args))
        given += [(k.arg, k.value) for k in call.keywords if k.arg]
        if any(k.arg is None for k in call.keywords) or any(
                isinstance(a, ast.Starred) for a in call.args):
            return None
        for unit, expr in given:
            if unit not in UNIT_SECONDS:
                return None
            value = self.fold(expr)
            if value is None or value.kind != NUMBER or isinstance(value.value, bool):
                return None
            total += float(value.value) * UNIT_SECONDS[unit]  # type: ignore[arg-type]
            origins.extend(value.origins)
            env = env or value.env
        return Folded(DURATION, total, tuple(origins), env)


_NOW_OBJECTS = ("datetime.datetime", "django.utils.timezone", "pendulum", "arrow")


def _arith(op: ast.operator, a, b):  # noqa: ANN001, ANN202 - numbers
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Mult):
        return a * b
    if isinstance(op, ast.Div):
        return a / b
    if isinstance(op, ast.FloorDiv):
        return a // b
    if isinstance(op, ast.Mod):
        return a % b
    if isinstance(op, ast.Pow) and abs(b) <= 64:
        return a ** b
    return None


def constants(project: ProjectModel) -> Constants:
    """The project's constants, folded on demand; built once per scan."""
    return project.derived("constants", Constants)
