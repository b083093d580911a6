"""ARC503 and ARC504 on the decisions their docstrings name: which mechanisms put an id into log
records, and which logging configurations emit plain text."""

from __future__ import annotations

import textwrap

from _support import run_rule

from archlint.rules.observability.log_without_correlation_id import LogWithoutCorrelationId
from archlint.rules.observability.unstructured_logging import UnstructuredLogging

ENDPOINT = """\
    import logging
    from flask import Flask, g

    log = logging.getLogger(__name__)
    app = Flask(__name__)

    @app.get("/orders")
    def orders():
        log.info("listing orders")
        return []
"""


def lines(rule, source, files=None, path="shop/app.py"):
    result = run_rule(rule, source, path=path, files=files)
    assert not result.notifications, result.notifications
    return [(f.span.line, f.message) for f in result.findings]


def test_a_request_id_kept_in_flask_g_that_no_filter_reads_does_not_count():
    source = ENDPOINT + """\

    @app.before_request
    def bind():
        g.request_id = "x"
    """
    assert [line for line, _ in lines(LogWithoutCorrelationId, source)] == [9]
    with_filter = source + """\

    class RequestId(logging.Filter):
        def filter(self, record):
            record.request_id = g.request_id
            return True
    """
    assert lines(LogWithoutCorrelationId, with_filter) == []


def test_merge_contextvars_counts_only_with_an_id_bound():
    configure = ("import structlog\nstructlog.configure(processors=["
                 "structlog.contextvars.merge_contextvars, structlog.processors.JSONRenderer()])\n")
    assert len(lines(LogWithoutCorrelationId, ENDPOINT, {"shop/logs.py": configure})) == 1
    bind = configure + ("def middleware(request):\n"
                        "    structlog.contextvars.bind_contextvars(request_id=request.id)\n")
    assert lines(LogWithoutCorrelationId, ENDPOINT, {"shop/logs.py": bind}) == []


def test_an_id_passed_in_extra_needs_no_mechanism():
    source = ENDPOINT.replace('log.info("listing orders")',
                              'log.info("listing orders", extra={"request_id": g.rid})')
    assert lines(LogWithoutCorrelationId, source) == []


def test_basic_config_handlers_are_read_through_their_formatters():
    plain = textwrap.dedent("""\
        import logging
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[handler])
    """)
    files = {"shop/app.py": ENDPOINT}
    assert [line for line, _ in lines(UnstructuredLogging, plain, files, "shop/logs.py")] == [4]
    json = "from pythonjsonlogger.json import JsonFormatter\n" + plain.replace(
        "logging.Formatter(", "JsonFormatter(")
    assert lines(UnstructuredLogging, json, files, "shop/logs.py") == []
    unknown = plain.replace('handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))\n',
                            "")
    assert lines(UnstructuredLogging, unknown, files, "shop/logs.py") == []


def test_print_is_reported_only_where_the_project_serves_http():
    module = "def report(rows):\n    print(rows)\n"
    assert lines(UnstructuredLogging, module, None, "shop/report.py") == []
    found = lines(UnstructuredLogging, module, {"shop/app.py": ENDPOINT}, "shop/report.py")
    assert [line for line, _ in found] == [2]


def test_print_styled_for_a_terminal_is_for_a_person_not_the_log_pipeline():
    notice = ("from colorama import Fore\n"
              "def update_notice(latest):\n    print(Fore.CYAN + f'pip install -U shop=={latest}')\n")
    assert lines(UnstructuredLogging, notice, {"shop/app.py": ENDPOINT}, "shop/notice.py") == []
