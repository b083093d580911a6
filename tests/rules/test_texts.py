"""Launch commands and logging files read as text (archlint.rules._texts), from real files
under a project root."""

from __future__ import annotations

import textwrap
from pathlib import Path

from archlint.rules._texts import (
    Command,
    companion_named,
    instrumented_launch,
    launch_commands,
    script_entries,
    tracing_launch,
)
from archlint.rules.base import ProjectModel


def project(tmp_path: Path, files: dict[str, str]) -> ProjectModel:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return ProjectModel(root=tmp_path, companions=tuple(sorted(files)))


def test_dockerfile_exec_and_shell_forms_with_continuations(tmp_path):
    model = project(tmp_path, {"Dockerfile": """\
        FROM python:3.12
        RUN pip install opentelemetry-distro \\
            && opentelemetry-bootstrap -a install
        ENTRYPOINT ["opentelemetry-instrument", "--service_name", "shop"]
        cmd uvicorn shop.main:app \\
            --host 0.0.0.0
    """})
    assert launch_commands(model) == [
        Command("Dockerfile", 4, "opentelemetry-instrument --service_name shop"),
        Command("Dockerfile", 5, "uvicorn shop.main:app --host 0.0.0.0"),
    ]
    assert instrumented_launch(model) == launch_commands(model)[0]


def test_installing_the_distro_is_not_running_under_it(tmp_path):
    model = project(tmp_path, {"Dockerfile": """\
        RUN pip install opentelemetry-distro opentelemetry-instrumentation
        CMD ["gunicorn", "shop.wsgi"]
    """, "bin/run.sh": "# opentelemetry-instrument is not used here\nexec gunicorn app\n"})
    assert instrumented_launch(model) is None


def test_procfile_compose_and_shell_scripts(tmp_path):
    model = project(tmp_path, {
        "Procfile": "web: opentelemetry-instrument gunicorn shop.wsgi\nworker: celery -A shop worker\n",
        "docker-compose.yml": """\
            services:
              api:
                command: ["uvicorn", "app:app"]
              worker:
                entrypoint:
                  - opentelemetry-instrument
                  - celery
                image: x
        """,
        "scripts/start.sh": "#!/bin/sh\nset -e\nexec /venv/bin/opentelemetry-instrument python -m app\n",
    })
    texts = {(c.path, c.line): c.text for c in launch_commands(model)}
    assert texts[("Procfile", 1)] == "opentelemetry-instrument gunicorn shop.wsgi"
    assert texts[("Procfile", 2)] == "celery -A shop worker"
    assert texts[("docker-compose.yml", 3)] == "uvicorn app:app"
    assert texts[("docker-compose.yml", 5)] == "opentelemetry-instrument celery"
    assert texts[("scripts/start.sh", 3)].endswith("/opentelemetry-instrument python -m app")
    assert instrumented_launch(model).path == "Procfile"


def test_a_name_that_merely_contains_the_command_does_not_count(tmp_path):
    model = project(tmp_path, {"Procfile": "web: my-opentelemetry-instrumented-server\n"})
    assert instrumented_launch(model) is None


def test_companion_named_matches_the_path_tail_and_prefers_the_shortest(tmp_path):
    model = project(tmp_path, {"logging.ini": "", "deploy/conf/logging.ini": "",
                               "conf/logging.yaml": ""})
    assert companion_named(model, "logging.ini") == "logging.ini"
    assert companion_named(model, "./conf/logging.ini") == "deploy/conf/logging.ini"
    assert companion_named(model, "logging.yaml") == "conf/logging.yaml"
    assert companion_named(model, "../logging.ini") is None
    assert companion_named(model, "missing.ini") is None


def test_unreadable_or_huge_files_are_skipped(tmp_path):
    model = project(tmp_path, {"Procfile": "web: opentelemetry-instrument x\n"})
    (tmp_path / "Procfile").write_bytes(b"web: opentelemetry-instrument x\n" + b"#" * 1_100_000)
    assert launch_commands(model) == []
    assert launch_commands(ProjectModel(root=tmp_path, companions=("gone/Procfile",))) == []


def test_tracing_launch_knows_the_other_agents_launchers(tmp_path):
    from archlint.rules._texts import tracing_launch

    model = project(tmp_path, {
        "Procfile": "web: ddtrace-run gunicorn shop.wsgi\n",
        "bin/start.sh": "exec newrelic-admin run-program uvicorn app:app\n",
        "Dockerfile": 'CMD ["opentelemetry-instrument", "uvicorn", "app:app"]\n',
    })
    assert tracing_launch(model) is not None
    assert {c.path for c in launch_commands(model) if "run" in c.text or "instrument" in c.text}
    quiet = project(tmp_path / "q", {"Procfile": "web: gunicorn shop.wsgi  # ddtrace-runner\n",
                                     "run.sh": "newrelic-admin generate-config KEY x.ini\n"})
    assert tracing_launch(quiet) is None
    only_dd = project(tmp_path / "d", {"Procfile": "web: ddtrace-run gunicorn shop.wsgi\n"})
    assert tracing_launch(only_dd).path == "Procfile"
    assert instrumented_launch(only_dd) is None  # opentelemetry-instrument only


def test_a_console_script_that_is_the_launcher_under_another_name(tmp_path):
    files = {
        "Procfile": "web: serve-traced gunicorn shop.wsgi\n",
        "pyproject.toml": ('[project]\nname = "shop"\n[project.scripts]\n'
                           'serve-traced = "opentelemetry.instrumentation.auto_instrumentation:run"\n'
                           'shop = "shop.cli:main"\n'),
    }
    project(tmp_path, files)  # writes them
    model = ProjectModel(root=tmp_path, companions=("Procfile",))
    assert script_entries(model)["shop"] == "shop.cli:main"
    assert instrumented_launch(model) == Command("Procfile", 1, "serve-traced gunicorn shop.wsgi")
    assert tracing_launch(model) is not None
    (tmp_path / "Procfile").write_text("web: shop serve\n", encoding="utf-8")
    fresh = ProjectModel(root=tmp_path, companions=("Procfile",))
    assert instrumented_launch(fresh) is None
    (tmp_path / "pyproject.toml").write_text("[project\nbroken", encoding="utf-8")
    assert script_entries(ProjectModel(root=tmp_path, companions=("Procfile",))) == {}
