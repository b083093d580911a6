"""ARC303 cache-write-without-ttl."""

from __future__ import annotations

from typing import ClassVar

from archlint.model import Related, Severity
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.data_access._cache_writes import CacheSetting, CacheWrite, CacheWriteCollector


class CacheWriteWithoutTtl(ProjectRule):
    """## What it does
    Flags a cache write that stores an entry with no expiry.

    - Redis (`redis.Redis`, `redis.asyncio`, clusters, and their pipelines), on a key built from
      values (`f"user:{uid}"`, see below): `set` without
      `ex`/`px`/`exat`/`pxat`/`keepttl` (or with them all `None`/`False`); `hset`, `hmset`,
      `hsetnx`, `sadd`, `lpush`, `rpush`, `zadd` and `setnx` on a key that no `expire`,
      `pexpire`, `expireat` or `pexpireat` in the same function (or module body) names, compared
      as written or through a local name bound to the key; `mset`/`msetnx`, which cannot carry a
      TTL, when the function expires nothing.
    - Django's cache (`django.core.cache.cache`, `caches["alias"]`): `set`, `add`, `set_many`,
      `get_or_set`, `touch` and their async twins (`aset`, ...) with `timeout=None` (the entry
      never expires), always; and with no timeout at all only when the project's `CACHES` setting
      (a `CACHES = {...}` literal in any module) gives that cache `"TIMEOUT": None`, so that its
      default is "forever". The finding sits on the write call.

    ## Why is this bad?
    An entry without an expiry lives until something deletes it. Keys built from ids, sessions or
    queries accumulate until Redis hits `maxmemory` and starts evicting (or refusing writes, under
    `noeviction`), and stale data is served forever when the code that should invalidate it
    misses a case. A TTL bounds both the memory and the staleness.

    ## Example
    ```python
    def cache_profile(user):
        redis_client.set(f"profile:{user.id}", user.to_json())
    ```

    ## Use instead
    ```python
    def cache_profile(user):
        redis_client.set(f"profile:{user.id}", user.to_json(), ex=3600)
    ```

    ## Options
    None.

    ## What it does not flag
    - `setex`/`psetex`, `set(..., ex=...)` (any TTL parameter that is not a literal `None`/
      `False`), a write followed (or preceded) by an expire of the same key in the same function,
      and any call that passes `**kwargs` (it may carry the TTL).
    - A key given its expiry in another function, or compared through anything but its written
      form or one local name: the rule stays quiet only when it sees the expire, so such a write
      is reported.
    - Redis writes to a fixed key: a literal, a constant, a parameter, `str(path)`. Only keys
      built from values (`f"user:{uid}"`, `"user:" + uid`, `%`, `.format()`, `":".join()`, or a
      local name bound to one) multiply with the data; a fixed key is one long-lived value or a
      registry (a hash of all tasks) that an expiry would wipe whole.
    - Redis clients the shared client model does not recognise (a client passed in without a type
      annotation), other structures (`xadd`, `incr`, `append`, `pfadd`), and Lua scripts.
    - Django writes with no timeout when no `CACHES` literal sets `TIMEOUT: None` for that alias
      (Django's default is 300 s), writes through `caches[name]` with a non-literal alias (unless
      they pass `timeout=None`), and caches held under other names.
    - flask-caching (`timeout=0` means forever there, but its `Cache` object is usually imported
      from the project, out of sight), cachetools and other in-process caches, which hold no
      shared memory.

    ## References
    - [Redis: SET](https://redis.io/docs/latest/commands/set/)
    - [Redis: EXPIRE](https://redis.io/docs/latest/commands/expire/)
    - [Django: cache arguments, TIMEOUT](https://docs.djangoproject.com/en/stable/topics/cache/#cache-arguments)
    - [CWE-401: Missing Release of Memory after Effective Lifetime](https://cwe.mitre.org/data/definitions/401.html)
    """

    code = "ARC303"
    name = "cache-write-without-ttl"
    severity = Severity.NOTE
    cwe = 401
    tags = ("data-access", "performance")
    collectors = (CacheWriteCollector,)

    VALID: ClassVar = [
        """
        import redis
        r = redis.Redis(socket_timeout=1)
        def remember(user):
            r.set(f"profile:{user.id}", user.json(), ex=3600)
            r.setex(f"seen:{user.id}", 60, 1)
        """,
        """
        import redis
        r = redis.Redis(socket_timeout=1)
        def tag(user, tags):
            key = f"tags:{user.id}"
            r.sadd(key, *tags)
            r.expire(key, 600)
        """,
        # Django's default timeout is 300 s when CACHES does not say otherwise
        Valid(
            """
            from django.core.cache import cache
            def remember(user):
                cache.set(f"profile:{user.id}", user.json())
            """,
            files={"app/settings.py": 'CACHES = {"default": {"BACKEND": "x", "TIMEOUT": 600}}\n'},
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            import redis
            r = redis.Redis(socket_timeout=1)
            def remember(user):
                r.set(f"profile:{user.id}", user.json())
            """,
            line=5,
            message="r.set() stores f\"profile:{user.id}\" with no expiry",
        ),
        Invalid(
            """
            import redis
            r = redis.Redis(socket_timeout=1)
            def track(user):
                with r.pipeline() as pipe:
                    pipe.hset(f"user:{user.id}", mapping=user.fields())
                    pipe.execute()
            """,
            line=6,
            message="nothing in track() gives it an expiry",
        ),
        Invalid(
            """
            from django.core.cache import cache
            def remember(user):
                cache.set(f"profile:{user.id}", user.json(), timeout=None)
            """,
            line=4,
            message="passes timeout=None: the entry never expires",
        ),
        Invalid(
            """
            from django.core.cache import caches
            def remember(user):
                caches["sessions"].set(user.id, user.json())
            """,
            line=4,
            message="the 'sessions' cache in app/settings.py sets TIMEOUT: None",
            files={"app/settings.py": (
                'CACHES = {\n    "default": {"BACKEND": "x"},\n'
                '    "sessions": {"BACKEND": "x", "TIMEOUT": None},\n}\n'
            )},
        ),
    ]

    def check(self) -> None:
        forever: dict[str, tuple[str, CacheSetting]] = {}
        for path, fact in self.project.of(CacheWriteCollector.kind):
            if isinstance(fact, CacheSetting) and fact.forever:
                forever.setdefault(fact.alias, (path, fact))
        for path, fact in self.project.of(CacheWriteCollector.kind):
            if not isinstance(fact, CacheWrite):
                continue
            if fact.alias is None:
                self.report_at(path, fact.span, fact.message, help=fact.help,
                               statement_lines=fact.statement_lines)
                continue
            setting = forever.get(fact.alias)
            if setting is None:
                continue
            settings_path, where = setting
            message = (
                f"{fact.message}, and the '{fact.alias}' cache in {settings_path} sets TIMEOUT: "
                "None: the entry never expires"
            )
            related = [Related(where.span, f"CACHES['{fact.alias}'] sets TIMEOUT: None",
                               settings_path)]
            self.report_at(path, fact.span, message, help=fact.help, related=related,
                           statement_lines=fact.statement_lines)
