"""The shared name resolver (archlint.rules._names): import aliases and value origins."""

from __future__ import annotations

import textwrap

import libcst as cst

from archlint.engine.worker import analyze_source
from archlint.rules.base import Collector, NoOptions


class _Callees(Collector):
    """Records `ctx.names.callee(call.func)` for every call, keyed by the call's source text."""

    kind = "callees"

    def visit_Call(self, node: cst.Call) -> None:
        self.add((self.ctx.code_of(node), self.ctx.names.callee(node.func)))


def callees(source: str) -> dict[str, str | None]:
    result = analyze_source(textwrap.dedent(source), "example.py", [(_Callees, NoOptions())])
    assert not result.notifications, result.notifications
    return dict(result.facts.get("callees", []))


def test_awaited_call_gives_its_origin_to_locals_and_self_attributes():
    found = callees(
        """
        import asyncpg
        async def f():
            conn = await asyncpg.connect(dsn)
            await conn.fetch("SELECT 1")
        class Repo:
            async def start(self):
                self.pool = await asyncpg.create_pool(dsn)
            async def get(self):
                return await self.pool.fetchrow("SELECT 1")
        """
    )
    assert found['conn.fetch("SELECT 1")'] == "asyncpg.connect.fetch"
    assert found['self.pool.fetchrow("SELECT 1")'] == "asyncpg.create_pool.fetchrow"


def test_class_level_annotated_field_gives_self_attribute_origin():
    found = callees(
        """
        import requests
        from dataclasses import dataclass
        @dataclass
        class Client:
            session: requests.Session
            base: str
            def users(self):
                return self.session.get(self.base + "/users")
        """
    )
    assert found['self.session.get(self.base + "/users")'] == "requests.Session.get"


def test_match_statements_are_walked_without_error():
    found = callees(
        """
        import requests
        match command:
            case "sync":
                from requests import get as fetch
            case _:
                pass
        class Worker:
            def run(self, command):
                match command:
                    case "go":
                        self.session = requests.Session()
            def go(self):
                self.session.get(u)
        fetch(u)
        """
    )
    assert found["self.session.get(u)"] == "requests.Session.get"
    assert found["fetch(u)"] == "requests.get"
