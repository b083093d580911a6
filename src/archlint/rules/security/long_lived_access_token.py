"""ARC604 long-lived-access-token."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from archlint.model import Related, Severity, Span
from archlint.rules._constants import (
    BOOL,
    DURATION,
    INSTANT,
    NUMBER,
    ConstantCollector,
    Constants,
    Folded,
    Located,
    constants,
)
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.security._tokens import (
    JWT_ACCESS_TOKEN_EXPIRES,
    OAUTH2_TOKEN_EXPIRES_IN,
    Encode,
    FileTokens,
    TokenCollector,
    is_access_lifetime_name,
    is_lifetime_key,
    last_name,
)

Identity = tuple[str, str]  # (path, constant name or setting key@line)

_UNITS = (
    (re.compile(r"(?:^|_)(?:SECONDS|SECS|SEC)$", re.I), 1.0, "seconds"),
    (re.compile(r"(?:^|_)(?:MINUTES|MINS|MIN)$", re.I), 60.0, "minutes"),
    (re.compile(r"(?:^|_)(?:HOURS|HRS|HOUR)$", re.I), 3600.0, "hours"),
    (re.compile(r"(?:^|_)(?:DAYS|DAY)$", re.I), 86400.0, "days"),
    (re.compile(r"(?:^|_)WEEKS$", re.I), 604800.0, "weeks"),
    (re.compile(r"(?:^|_)MS$", re.I), 0.001, "milliseconds"),
    # OAuth's `expires_in` and flask-jwt-extended's JWT_ACCESS_TOKEN_EXPIRES count seconds
    (re.compile(r"(?:EXPIRES?_IN|^JWT_ACCESS_TOKEN_EXPIRES)$", re.I), 1.0, "seconds"),
)
_UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0,
                 "weeks": 604800.0, "milliseconds": 0.001, "microseconds": 1e-6}
# A token issued for something other than API access: its lifetime is not this rule's business.
_OTHER_PURPOSE = re.compile(
    r"refresh|state|reset|verif|confirm|invit|email|magic|download|unsubscribe|csrf|nonce|"
    r"signup|regist|activat|share|preview|upload|url|link|ticket|id_token|assertion|otp|mfa|"
    r"webhook|callback|installation|client_secret|github|apple|invite|dpop|qsh|bitbucket|"
    r"jira|atlassian|zoom|docusign|saml",
    re.I)


@dataclass(frozen=True)
class LifetimeOptions:
    """Options of ARC604.

    `max-lifetime`: the longest lifetime, in seconds, an access token may have (default 900: 15
    minutes, as the OAuth 2.0 Security BCP and OWASP ASVS recommend for bearer tokens).
    """

    max_lifetime: int = 900


@dataclass
class _Lifetime:
    """A setting or constant whose name says it is an access-token lifetime."""

    identity: Identity
    path: str
    module: str
    span: Span
    label: str  # "ACCESS_TOKEN_EXPIRE_MINUTES", "SIMPLE_JWT['ACCESS_TOKEN_LIFETIME']"
    key: str  # the name that says the unit of a plain number
    values: tuple[str, ...]  # source variants
    uses: list[tuple[float | None, str, str, Span]] = field(default_factory=list)
    # (seconds the use gives, or None when it gives no unit; what; path; span)


def human(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 60:
        return f"{seconds / 60:.1f} minutes"
    return f"{seconds:g} seconds"


class LongLivedAccessToken(ProjectRule):
    """## What it does
    Flags an access token that lives longer than 15 minutes (`max-lifetime`), wherever its
    lifetime is set:
    - a setting or constant whose name says it is an access-token lifetime (it names ACCESS and
      EXPIRE, LIFETIME or TTL: `ACCESS_TOKEN_EXPIRE_MINUTES = 60`, a pydantic-settings field
      `ACCESS_TOKEN_EXPIRE_MINUTES: int = 60 * 24 * 8`, flask-jwt-extended's
      `JWT_ACCESS_TOKEN_EXPIRES = timedelta(hours=1)` in a config class or
      `app.config["JWT_ACCESS_TOKEN_EXPIRES"]`, SimpleJWT's
      `SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(days=1)}`); a plain number is counted in
      the unit of the `timedelta(minutes=...)` it is used in, else the unit its name ends with
      (`_MINUTES`, `_SECONDS`, `_HOURS`, `_DAYS`, `EXPIRES_IN`: seconds); with no unit it is
      left alone. `JWT_ACCESS_TOKEN_EXPIRES = False` (tokens that never expire) is flagged too;
    - authlib's `OAUTH2_TOKEN_EXPIRES_IN` entries (seconds per grant type) and `expires_in=` on
      its token generators (`generate_token`, `BearerTokenGenerator`);
    - the `exp` claim of a `jwt.encode(...)` payload (PyJWT, python-jose, authlib.jose,
      joserfc): `datetime.now(timezone.utc) + timedelta(hours=1)`, `time.time() + 3600`,
      following the function's locals and module-level constants;
    - a `jwt.encode` that issues an access token with no `exp` at all: the payload has `sub`
      and the function or a variable names an access token (`create_access_token`,
      `access_token = jwt.encode(...)`), or the payload says `"type": "access"`.

    Values are folded across modules (`rules/_constants.py`): a setting imported by name two
    modules away (`from app.core.config import settings`, then `settings.X` on a
    pydantic-settings instance), re-exports, Django settings (`django.conf.settings`),
    arithmetic and `timedelta(...)`. An environment read counts with its default
    (`int(os.getenv("ACCESS_TOKEN_EXPIRE_MINUTES", "60"))`): that is what runs wherever the
    variable is not set, and the message says so.

    One finding per lifetime: on the setting or constant whose name says it is an access-token
    lifetime, else on the `exp` expression; the message names both the definition and where it
    is used.

    ## Why is this bad?
    An access token is a bearer token: whoever holds it is the user until it expires, and a
    stateless JWT cannot be revoked before that. A stolen token (a log line, a browser
    extension, a proxy) stays usable for its whole lifetime. OAuth 2.1 and the OAuth 2.0
    Security BCP keep access tokens short and scoped and renew them with rotated refresh tokens;
    a token that lives for hours or days makes logout, password changes and account locks
    ineffective for that long.

    ## Example
    ```python
    # app/core/config.py
    class Settings(BaseSettings):
        ACCESS_TOKEN_EXPIRE_MINUTES: int = 60 * 24 * 8

    # app/api/login.py
    from app.core.config import settings
    expires = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    ```

    ## Use instead
    ```python
    class Settings(BaseSettings):
        ACCESS_TOKEN_EXPIRE_MINUTES: int = 15
        REFRESH_TOKEN_EXPIRE_DAYS: int = 7  # a rotated refresh token keeps the session
    ```

    ## Options
    `max-lifetime` (seconds, default 900).

    ## What it does not flag
    - Refresh tokens (out of scope: see ARC605 for their rotation), ID tokens, and tokens
      issued for something else (a password reset, an email confirmation, an OAuth `state`, a
      download link, an invitation, a client assertion): names or a `type` claim say so.
    - Absent settings: flask-jwt-extended's default is 15 minutes and SimpleJWT's 5 minutes.
      authlib's default of one hour for generated bearer tokens is not flagged either (nothing
      in the code says it).
    - Lifetimes that come from a parameter, a database row (a per-client lifetime) or a call
      archlint cannot fold, and plain numbers whose unit neither a `timedelta(...)` use nor the
      name tells.
    - An `exp` that is an absolute number (a fixed timestamp), and `jwt.encode` payloads without
      `exp` that are built from a dict archlint cannot see whole (`data.copy()`, `**claims`).
    - Tests and migrations.

    ## References
    - [RFC 9700: OAuth 2.0 Security Best Current Practice, 2.2.2 and 4.14 (refresh tokens, short-lived access tokens)](https://www.rfc-editor.org/rfc/rfc9700)
    - [The OAuth 2.1 Authorization Framework (draft), 7.1 and 4.3.1](https://datatracker.ietf.org/doc/draft-ietf-oauth-v2-1/)
    - [RFC 8725: JSON Web Token Best Current Practices](https://www.rfc-editor.org/rfc/rfc8725)
    - [RFC 6819: OAuth 2.0 Threat Model, 5.1.5.3 (use short expiration time)](https://www.rfc-editor.org/rfc/rfc6819#section-5.1.5.3)
    - [OWASP ASVS 5.0, V9 Self-contained Tokens and V10 OAuth (V3/V51 in 4.0)](https://owasp.org/www-project-application-security-verification-standard/)
    - [CWE-613: Insufficient Session Expiration](https://cwe.mitre.org/data/definitions/613.html)
    """

    code = "ARC604"
    name = "long-lived-access-token"
    severity = Severity.ERROR
    cwe = 613
    security_severity = 6.5
    tags = ("security", "oauth", "jwt")
    Options = LifetimeOptions
    collectors = (ConstantCollector, TokenCollector)

    VALID: ClassVar = [
        """
        from datetime import timedelta
        ACCESS_TOKEN_EXPIRE_MINUTES = 15
        REFRESH_TOKEN_EXPIRE_DAYS = 30
        EXPIRES = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
        """,
        # a refresh token's long exp is ARC605's business, not this rule's
        """
        import jwt
        from datetime import datetime, timedelta, timezone

        def create_refresh_token(user_id):
            payload = {"sub": user_id, "type": "refresh",
                       "exp": datetime.now(timezone.utc) + timedelta(days=30)}
            return jwt.encode(payload, "k", algorithm="HS256")
        """,
        # a lifetime passed in by the caller cannot be told here
        """
        import jwt
        from datetime import datetime

        def create_access_token(data, expires_delta):
            to_encode = data.copy()
            to_encode.update({"exp": datetime.utcnow() + expires_delta})
            return jwt.encode(to_encode, "k", algorithm="HS256")
        """,
        # a number without unit is left alone
        "ACCESS_TOKEN_TTL = 3600\n",
        Valid("""
            from datetime import timedelta
            SIMPLE_JWT = {
                "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
                "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
            }
            """, path="shop/settings.py"),
    ]

    INVALID: ClassVar = [
        # the FastAPI full-stack template: settings imported by name two modules away
        Invalid(
            """
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                SECRET_KEY: str = "change-me"
                ACCESS_TOKEN_EXPIRE_MINUTES: int = 60 * 24 * 8

            settings = Settings()
            """,
            path="app/core/config.py",
            line=6,
            message="gives access tokens a lifetime of 8 days",
            files={
                "app/__init__.py": "",
                "app/core/__init__.py": "",
                "app/api/__init__.py": "",
                "app/api/login.py": (
                    "from datetime import timedelta\n"
                    "from app.core.config import settings\n"
                    "from app.core.security import create_access_token\n\n"
                    "def login(user):\n"
                    "    expires = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)\n"
                    "    return create_access_token(user.id, expires_delta=expires)\n"),
            },
        ),
        Invalid(
            """
            from datetime import timedelta
            from flask import Flask

            app = Flask(__name__)
            app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(hours=1)
            """,
            line=6,
            message="1 hour",
        ),
        Invalid(
            """
            from datetime import timedelta
            SIMPLE_JWT = {
                "ACCESS_TOKEN_LIFETIME": timedelta(days=1),
            }
            """,
            path="shop/settings.py",
            line=4,
            message="SIMPLE_JWT['ACCESS_TOKEN_LIFETIME']",
        ),
        Invalid(
            """
            import jwt
            from datetime import datetime, timedelta, timezone

            TOKEN_HOURS = 12

            def login(user):
                expire = datetime.now(timezone.utc) + timedelta(hours=TOKEN_HOURS)
                return jwt.encode({"sub": user.id, "exp": expire}, "k", algorithm="HS256")
            """,
            line=9,
            message="TOKEN_HOURS = 12",
        ),
        Invalid(
            """
            import jwt

            def create_access_token(user_id):
                return jwt.encode({"sub": str(user_id)}, "k", algorithm="HS256")
            """,
            line=5,
            message="without an `exp` claim",
        ),
    ]

    def check(self) -> None:
        self.table = constants(self.project)
        self.limit = float(self.options.max_lifetime)
        lifetimes = self._named_lifetimes()
        self.by_short: dict[str, list[_Lifetime]] = {}
        for lifetime in lifetimes.values():
            self.by_short.setdefault(last_name(lifetime.key), []).append(lifetime)
        self.lifetimes = lifetimes
        # Named lifetimes whose value goes through another named one are uses of it.
        standalone: dict[Identity, list[tuple[float | None, Folded | None]]] = {}
        for lifetime in lifetimes.values():
            for value in lifetime.values:
                folded = self.table.evaluate(lifetime.module, value)
                inner = self._innermost(folded, lifetime.identity)
                if inner is not None:
                    inner.uses.append((self._seconds(folded, None), lifetime.label,
                                       lifetime.path, lifetime.span))
                else:
                    standalone.setdefault(lifetime.identity, []).append(
                        (self._standalone_seconds(folded, lifetime), folded))
        facts = [(p, f) for p, f in self.project.of(TokenCollector.kind)
                 if isinstance(f, FileTokens) and not is_scaffolding_path(p)]
        for path, fact in facts:
            self._unit_uses(path, fact)
        reported: set[object] = set()
        for path, fact in facts:
            for encode in fact.encodes:
                self._encode(path, encode, reported)
            for item in fact.expires_in:
                self._expires_in(path, item.values, item.span, reported)
        for identity, lifetime in sorted(lifetimes.items()):
            self._report_named(lifetime, standalone.get(identity, []))

    # -- named lifetimes ------------------------------------------------------------------------
    def _named_lifetimes(self) -> dict[Identity, _Lifetime]:
        found: dict[Identity, _Lifetime] = {}
        for located in self.table.all():
            if is_scaffolding_path(located.path):
                continue
            constant = located.constant
            short = constant.short_name
            if constant.is_dict:
                for entry in constant.entries:
                    if short == OAUTH2_TOKEN_EXPIRES_IN:
                        key = "EXPIRES_IN"  # seconds per grant type
                    elif is_lifetime_key(entry.key):
                        key = entry.key
                    else:
                        continue
                    identity = (located.path, f"{constant.name}[{entry.key}]")
                    found[identity] = _Lifetime(identity, located.path, located.module,
                                                entry.span, f"{short}['{entry.key}']", key,
                                                (entry.value,))
            elif is_lifetime_key(short):
                identity = (located.path, constant.name)
                found[identity] = _Lifetime(identity, located.path, located.module,
                                            constant.span, short, short, (constant.value,))
        for path, fact in self.project.of(TokenCollector.kind):
            if not isinstance(fact, FileTokens) or is_scaffolding_path(path):
                continue
            module = self.table.modules.module_of.get(path)
            if module is None:
                continue
            for setting in fact.settings:
                key = setting.key
                label = f"config['{key}']"
                if key.startswith(OAUTH2_TOKEN_EXPIRES_IN + "["):
                    grant = key[len(OAUTH2_TOKEN_EXPIRES_IN) + 1:-1]
                    label, key = f"{OAUTH2_TOKEN_EXPIRES_IN}['{grant}']", "EXPIRES_IN"
                identity = (path, f"{setting.key}@{setting.span.line}")
                found[identity] = _Lifetime(identity, path, module, setting.span, label, key,
                                            setting.values)
        return found

    def _identity(self, located: Located) -> Identity:
        return (located.path, located.constant.name)

    def _innermost(self, folded: Folded | None, own: Identity | None) -> _Lifetime | None:
        """The named lifetime a value was defined by: the innermost named constant it went
        through (`JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)`
        is defined by the minutes)."""
        if folded is None:
            return None
        for origin in reversed(folded.origins):
            lifetime = self.lifetimes.get(self._identity(origin))
            if lifetime is not None and lifetime.identity != own:
                return lifetime
        return None

    def _seconds(self, folded: Folded | None, unit: float | None) -> float | None:
        if folded is None:
            return None
        if folded.kind in (DURATION, INSTANT):
            return folded.seconds
        if folded.kind == NUMBER and unit is not None and not isinstance(folded.value, bool):
            return float(folded.value) * unit  # type: ignore[arg-type]
        return None

    def _standalone_seconds(self, folded: Folded | None, lifetime: _Lifetime) -> float | None:
        if folded is None:
            return None
        if folded.kind == BOOL and folded.value is False \
                and last_name(lifetime.key) == JWT_ACCESS_TOKEN_EXPIRES:
            return float("inf")  # flask-jwt-extended: access tokens never expire
        if folded.kind == NUMBER:
            for pattern, size, _ in _UNITS:
                if pattern.search(last_name(lifetime.key)):
                    return self._seconds(folded, size)
            return None
        return self._seconds(folded, None)

    def _unit_uses(self, path: str, fact: FileTokens) -> None:
        module = self.table.modules.module_of.get(path)
        if module is None:
            return
        for use in fact.units:
            folded = self.table.evaluate(module, use.ref)
            lifetime = self._innermost(folded, None)
            if lifetime is None and folded is None:
                candidates = self.by_short.get(last_name(use.ref), [])
                lifetime = candidates[0] if len(candidates) == 1 else None
                if lifetime is not None:  # fold the setting's own value in the use's unit
                    values = [self.table.evaluate(lifetime.module, v) for v in lifetime.values]
                    seconds = [self._seconds(v, _UNIT_SECONDS.get(use.unit)) for v in values]
                    known = [s for s in seconds if s is not None]
                    lifetime.uses.append((max(known) if known else None,
                                          f"timedelta({use.unit}=...)", path, use.span))
                continue
            if lifetime is None:
                continue
            whole = self.table.evaluate(module, use.call)
            lifetime.uses.append((self._seconds(whole, None), f"timedelta({use.unit}=...)",
                                  path, use.span))

    # -- jwt.encode and authlib -----------------------------------------------------------------
    def _encode(self, path: str, encode: Encode, reported: set[object]) -> None:
        module = self.table.modules.module_of.get(path)
        if module is None:
            return
        purpose = _purpose(encode)
        if purpose == "other":
            return
        if not encode.exp:
            if encode.closed and purpose == "access" and (
                    "sub" in encode.keys or (encode.token_type or "").lower() == "access"):
                where = f" in {encode.function}" if encode.function else ""
                self.report_at(
                    path, encode.span,
                    f"jwt.encode issues an access token{where} without an `exp` claim: it "
                    "never expires, and a stolen copy works for as long as the key does",
                    help=f"add `\"exp\": datetime.now(timezone.utc) + "
                         f"timedelta(minutes={int(self.limit // 60) or 1})` to the payload.")
            return
        worst: tuple[float, str, Span, Folded] | None = None
        for text, span in encode.exp:
            folded = self.table.evaluate(module, text)
            if folded is None or folded.kind != INSTANT or folded.seconds is None:
                continue
            lifetime = self._innermost(folded, None)
            if lifetime is not None:
                lifetime.uses.append((folded.seconds, "the `exp` of jwt.encode", path,
                                      encode.span))
                continue
            if worst is None or folded.seconds > worst[0]:
                worst = (folded.seconds, text, span, folded)
        if worst is None or worst[0] <= self.limit:
            return
        seconds, text, span, folded = worst
        key: object = self._identity(folded.origins[0]) if folded.origins else (path, span)
        if key in reported:
            return
        reported.add(key)
        self.report_at(
            path, span,
            f"jwt.encode issues a token that lives {human(seconds)}, longer than "
            f"{human(self.limit)}: exp = {_shorten(text)}{self._from(folded)}",
            help=self._help(), related=self._related(folded))

    def _expires_in(self, path: str, values: tuple[str, ...], span: Span,
                    reported: set[object]) -> None:
        module = self.table.modules.module_of.get(path)
        if module is None:
            return
        for text in values:
            folded = self.table.evaluate(module, text)
            if folded is None or folded.kind != NUMBER or isinstance(folded.value, bool):
                continue
            seconds = float(folded.value)  # type: ignore[arg-type]
            lifetime = self._innermost(folded, None)
            if lifetime is not None:
                lifetime.uses.append((seconds, "authlib's expires_in", path, span))
                continue
            key: object = self._identity(folded.origins[0]) if folded.origins else (path, span)
            if seconds > self.limit and key not in reported:
                reported.add(key)
                self.report_at(
                    path, span,
                    f"authlib issues access tokens that live {human(seconds)} (expires_in = "
                    f"{_shorten(text)}{self._from(folded)}), longer than {human(self.limit)}",
                    help=self._help(), related=self._related(folded))
                return

    # -- reports --------------------------------------------------------------------------------
    def _report_named(self, lifetime: _Lifetime,
                      own: list[tuple[float | None, Folded | None]]) -> None:
        candidates = [(s, None) for s, _ in own if s is not None]
        candidates += [(s, (what, path, span)) for s, what, path, span in lifetime.uses
                       if s is not None]
        if not candidates:
            return
        seconds, _ = max(candidates, key=lambda c: c[0])
        if seconds <= self.limit:
            return
        folded = next((f for _, f in own if f is not None), None)
        value = _shorten(lifetime.values[0]) if lifetime.values else ""
        env = f" (the default when {folded.env} is not set)" if folded and folded.env else ""
        if seconds == float("inf"):
            what = f"{lifetime.label} = {value}: access tokens never expire"
        else:
            what = (f"{lifetime.label} = {value} gives access tokens a lifetime of "
                    f"{human(seconds)}{env}, longer than {human(self.limit)}")
        uses = [(w, p, s) for _, w, p, s in lifetime.uses]
        if uses:
            use_what, use_path, use_span = uses[0]
            more = f" and {len(uses) - 1} more place(s)" if len(uses) > 1 else ""
            at = f"line {use_span.line}" if use_path == lifetime.path \
                else f"{use_path}:{use_span.line}"
            what += f"; used in {use_what} at {at}{more}"
        related = [Related(s, f"used here ({w})", p) for w, p, s in uses[:3]]
        self.report_at(lifetime.path, lifetime.span, what, help=self._help(), related=related)

    def _from(self, folded: Folded) -> str:
        if not folded.origins:
            return ""
        origin = folded.origins[-1]
        env = f", the default when {folded.env} is not set" if folded.env else ""
        return (f" (from {origin.constant.short_name} = {_shorten(origin.constant.value)} at "
                f"{origin.where()}{env})")

    def _related(self, folded: Folded) -> list[Related]:
        return [Related(o.constant.span, f"{o.constant.short_name} is defined here", o.path)
                for o in folded.origins[-1:]]

    def _help(self) -> str:
        return (f"keep access tokens to {human(self.limit)} or less and keep sessions alive with "
                "rotated refresh tokens (RFC 9700 2.2.2, 4.14); a stolen bearer token works "
                "until it expires.")


def _purpose(encode: Encode) -> str:
    """"access", "other" (refresh, reset, state...) or "unknown", from the `type` claim, then
    the names of the function, the variable the token goes to and the payload variable."""
    if encode.token_type is not None:
        return "access" if "access" in encode.token_type.lower() else "other"
    names = " ".join(n for n in (encode.function, encode.target, encode.payload_name) if n)
    if "refresh" in names.lower():
        return "other"
    if "access" in names.lower():
        return "access"
    if _OTHER_PURPOSE.search(names):
        return "other"
    return "unknown"


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_named_lifetime(name: str) -> bool:  # re-exported for other rules' messages
    return is_access_lifetime_name(name)


__all__ = ["LongLivedAccessToken", "LifetimeOptions", "Constants"]
