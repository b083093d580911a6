"""ARC303 cache-write-without-ttl: Redis writes (TTL parameters, keys built from values, expires
in the same function, pipelines, mset), Django cache writes and the project's CACHES setting."""

from __future__ import annotations

import pytest

from archlint.model import Severity
from archlint.rules.data_access.cache_write_without_ttl import CacheWriteWithoutTtl
from _support import run_rule

RULE = CacheWriteWithoutTtl
SETTINGS_FOREVER = 'CACHES = {"default": {"BACKEND": "x", "TIMEOUT": None}}\n'


def findings(source: str, files: dict[str, str] | None = None):
    result = run_rule(RULE, source, path="app/cache.py", files=files)
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str, files: dict[str, str] | None = None) -> list[int]:
    return sorted(f.span.line for f in findings(source, files))


def redis_lines(body: str) -> list[int]:
    """Lines flagged in `body`, the body of `def f(uid, value, key):` (line 4 is its first)."""
    indented = "\n".join("    " + line for line in body.splitlines())
    return lines(f"import redis\nr = redis.Redis(socket_timeout=1)\ndef f(uid, value, key):\n"
                 f"{indented}\n")


def test_metadata():
    assert RULE.code == "ARC303"
    assert RULE.name == "cache-write-without-ttl"
    assert RULE.severity is Severity.NOTE
    assert RULE.cwe == 401


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("r.set(f'u:{uid}', value)", True),
        ("r.set(f'u:{uid}', value, ex=60)", False),
        ("r.set(f'u:{uid}', value, 60)", False),
        ("r.set(f'u:{uid}', value, px=60000)", False),
        ("r.set(f'u:{uid}', value, exat=deadline)", False),
        ("r.set(f'u:{uid}', value, pxat=deadline)", False),
        ("r.set(f'u:{uid}', value, keepttl=True)", False),
        ("r.set(f'u:{uid}', value, ex=None)", True),
        ("r.set(f'u:{uid}', value, keepttl=False)", True),
        ("r.set(f'u:{uid}', value, nx=True)", True),
        ("r.set(f'u:{uid}', value, **options)", False),
        ("r.setex(f'u:{uid}', 60, value)", False),
        ("r.set('u:' + uid, value)", True),
        ("r.set('u:%s' % uid, value)", True),
        ("r.set('u:{}'.format(uid), value)", True),
        ("r.set(':'.join(['u', uid]), value)", True),
        ("r.set(name=f'u:{uid}', value=value)", True),
        ("r.set('config', value)", False),
        ("r.set(KEY, value)", False),
        ("r.set(key, value)", False),
        ("r.set(str(uid), value)", False),
        ("r.get(f'u:{uid}')", False),
    ],
)
def test_set(call, flagged):
    assert redis_lines(call) == ([4] if flagged else [])


@pytest.mark.parametrize("method", ["hset", "hmset", "hsetnx", "sadd", "lpush", "rpush", "zadd",
                                    "setnx"])
def test_keyed_writes_need_an_expire_of_the_same_key(method):
    assert redis_lines(f"r.{method}(f'u:{{uid}}', value)") == [4]
    assert redis_lines(f"r.{method}(f'u:{{uid}}', value)\nr.expire(f'u:{{uid}}', 60)") == []
    assert redis_lines(f"r.{method}(f'u:{{uid}}', value)\nr.expire(f'v:{{uid}}', 60)") == [4]


def test_an_expire_through_a_local_name_or_before_the_write_counts():
    assert redis_lines("k = f'u:{uid}'\nr.hset(k, 'a', value)\nr.pexpire(k, 60000)") == []
    assert redis_lines("k = f'u:{uid}'\nr.expireat(k, deadline)\nr.sadd(k, value)") == []
    assert redis_lines("k = f'u:{uid}'\nr.sadd(k, value)\nr.expire(f'u:{uid}', 60)") == []
    assert redis_lines("k = f'u:{uid}'\nr.sadd(k, value)") == [5]


def test_a_set_followed_by_an_expire_is_fine():
    assert redis_lines("r.set(f'u:{uid}', value)\nr.expire(f'u:{uid}', 60)") == []


def test_an_expire_in_another_function_does_not_count():
    assert lines("""
import redis
r = redis.Redis(socket_timeout=1)
def save(uid):
    r.sadd(f"u:{uid}", 1)
def touch(uid):
    r.expire(f"u:{uid}", 60)
""") == [5]


def test_mset_cannot_carry_a_ttl():
    (found,) = findings("""
import redis
r = redis.Redis(socket_timeout=1)
def save(values):
    r.mset(values)
""")
    assert "mset cannot set one" in found.message
    assert lines("""
import redis
r = redis.Redis(socket_timeout=1)
def save(values):
    r.mset(values)
    for k in values:
        r.expire(k, 60)
""") == []


@pytest.mark.parametrize(
    "source",
    [
        ("import redis\nr = redis.Redis()\ndef f(uid):\n    with r.pipeline() as p:\n"
         "        p.set(f'u:{uid}', 1)"),
        "import redis\nr = redis.Redis()\ndef f(uid):\n    r.pipeline().set(f'u:{uid}', 1).execute()",
        ("import redis.asyncio as aioredis\nr = aioredis.from_url(URL)\nasync def f(uid):\n"
         "    await r.set(f'u:{uid}', 1)"),
        ("import redis\nclass C:\n    def __init__(self):\n        self.r = redis.Redis()\n"
         "    def f(self, uid):\n        self.r.set(f'u:{uid}', 1)"),
    ],
)
def test_pipelines_async_clients_and_attributes(source):
    assert len(findings(source)) == 1


def test_unknown_clients_are_left_alone():
    assert lines("def f(client, uid):\n    client.set(f'u:{uid}', 1)\n") == []


def test_redis_message():
    (found,) = findings("""
import redis
r = redis.Redis(socket_timeout=1)
def save(uid):
    r.set(f"u:{uid}", 1)
""")
    assert found.message == (
        'r.set() stores f"u:{uid}" with no expiry (no ex/px/exat/pxat/keepttl): the key stays '
        "in Redis until something deletes it"
    )
    assert "ex=<seconds>" in found.help


# -- Django ---------------------------------------------------------------------------------------
DJANGO = "from django.core.cache import cache, caches\ndef f(key, value):\n    {call}\n"


@pytest.mark.parametrize(
    "call",
    ["cache.set(key, value, timeout=None)", "cache.set(key, value, None)",
     "cache.add(key, value, None)", "cache.set_many({key: value}, None)",
     "cache.get_or_set(key, value, None)", "cache.touch(key, None)",
     "caches[name].set(key, value, timeout=None)", "caches['x'].aset(key, value, None)"],
)
def test_an_explicit_timeout_none_is_always_flagged(call):
    (found,) = findings(DJANGO.format(call=call))
    assert "passes timeout=None: the entry never expires" in found.message


@pytest.mark.parametrize(
    "call",
    ["cache.set(key, value)", "cache.add(key, value)", "cache.set_many({key: value})",
     "cache.get_or_set(key, value)", "caches['default'].set(key, value)"],
)
def test_no_timeout_is_flagged_only_when_caches_keeps_entries_forever(call):
    source = DJANGO.format(call=call)
    assert lines(source) == []
    assert lines(source, {"app/settings.py": 'CACHES = {"default": {"TIMEOUT": 60}}\n'}) == []
    (found,) = findings(source, {"app/settings.py": SETTINGS_FOREVER})
    assert found.span.line == 3
    assert "the 'default' cache in app/settings.py sets TIMEOUT: None" in found.message
    assert [(r.path, r.span.line) for r in found.related] == [("app/settings.py", 1)]


@pytest.mark.parametrize(
    "call",
    ["cache.set(key, value, 60)", "cache.set(key, value, timeout=TTL)",
     "cache.set(key, value, **kw)", "caches[name].set(key, value)",
     "caches['other'].set(key, value)"],
)
def test_django_writes_left_alone_under_a_forever_default(call):
    assert lines(DJANGO.format(call=call), {"app/settings.py": SETTINGS_FOREVER}) == []


def test_caches_outside_module_level_or_not_a_literal_are_ignored():
    source = DJANGO.format(call="cache.set(key, value)")
    for settings in (
        "class Settings:\n    CACHES = {'default': {'TIMEOUT': None}}\n",
        "CACHES = build_caches()\n",
        "def f():\n    CACHES = {'default': {'TIMEOUT': None}}\n",
    ):
        assert lines(source, {"app/settings.py": settings}) == [], settings


def test_other_objects_named_cache_are_not_djangos():
    assert lines("from app.cache import cache\ndef f(k, v):\n    cache.set(k, v, None)\n") == []
