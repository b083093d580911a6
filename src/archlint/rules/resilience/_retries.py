"""Retry policies by qualified name: tenacity, backoff and urllib3's `Retry`.

ARC404 checks their arguments; ARC402 mentions them ("retries alone are not a breaker") when a
call it reports is retried. Names are matched after `NameTable` resolved imports and aliases.
"""

from __future__ import annotations

import enum

import libcst as cst

from archlint.rules._names import NameTable


class RetryKind(enum.Enum):
    TENACITY_DECORATOR = "tenacity"  # @retry, @retry(...), retry(...)(fn)
    TENACITY_LOOP = "tenacity-loop"  # Retrying(...), AsyncRetrying(...)
    BACKOFF = "backoff"  # @backoff.on_exception(...), @backoff.on_predicate(...)
    URLLIB3 = "urllib3"  # urllib3.Retry(...), requests.adapters.Retry(...)


_TENACITY_DECORATORS = frozenset({"tenacity.retry", "tenacity.asyncio.retry"})
_TENACITY_LOOPS = frozenset(
    {"tenacity.Retrying", "tenacity.AsyncRetrying", "tenacity.asyncio.AsyncRetrying"}
)
_BACKOFF = frozenset(
    {"backoff.on_exception", "backoff.on_predicate", "backoff._decorator.on_exception",
     "backoff._decorator.on_predicate"}
)
_URLLIB3 = frozenset(
    {"urllib3.Retry", "urllib3.util.Retry", "urllib3.util.retry.Retry", "requests.adapters.Retry",
     "requests.packages.urllib3.util.retry.Retry", "requests.packages.urllib3.Retry",
     "requests.packages.urllib3.util.Retry", "botocore.vendored.requests.packages.urllib3.Retry"}
)

_BY_NAME: dict[str, RetryKind] = {
    **dict.fromkeys(_TENACITY_DECORATORS, RetryKind.TENACITY_DECORATOR),
    **dict.fromkeys(_TENACITY_LOOPS, RetryKind.TENACITY_LOOP),
    **dict.fromkeys(_BACKOFF, RetryKind.BACKOFF),
    **dict.fromkeys(_URLLIB3, RetryKind.URLLIB3),
}


RETRY_NAMES = frozenset(_BY_NAME)


def retry_kind(qualified: str | None) -> RetryKind | None:
    return _BY_NAME.get(qualified) if qualified is not None else None


def decorator_retry(decorator: cst.Decorator, names: NameTable) -> tuple[RetryKind, str] | None:
    """A retrying decorator (`@retry`, `@tenacity.retry(...)`, `@backoff.on_exception(...)`) and
    its qualified name."""
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    qualified = names.qualify(expr)
    kind = retry_kind(qualified)
    if kind in (RetryKind.TENACITY_DECORATOR, RetryKind.BACKOFF):
        return kind, qualified  # type: ignore[return-value]
    return None
