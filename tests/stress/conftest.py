"""The stress and fault suite: real gunicorn servers under wrk, with processes and services killed.

Every test here is marked `stress` and runs only when asked for (`pytest -m stress`); durations
come from `NEWSROOM_STRESS_SECONDS` (5 in CI, 30 for the figures in RELIABILITY.md). All traffic
goes to 127.0.0.1, every loop is bounded, and every process started here is stopped here.
"""

import json
import os
from pathlib import Path

import pytest

from .server import BASE_DIR, Gunicorn, prepare_database, prepare_static

REPORT = Path(os.environ.get("NEWSROOM_STRESS_REPORT", BASE_DIR / "bench" / "out" / "stress.jsonl"))


def pytest_collection_modifyitems(items):
    # pyproject's addopts deselect `stress` unless `-m stress` is given.
    for item in items:
        if "tests/stress/" in str(item.fspath):
            item.add_marker(pytest.mark.stress)


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    return prepare_static(tmp_path_factory.mktemp("static"))


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    prepare_database(url)
    return url


@pytest.fixture
def gunicorn(static_root, tmp_path):
    """A factory of gunicorn servers (2 sync workers on a free 127.0.0.1 port), all stopped at the end."""
    servers = []

    def start(database_url, **env):
        server = Gunicorn(database_url, static_root, tmp_path / f"gunicorn-{len(servers)}.log", env)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def record(request):
    """Append a test's figures to the stress report (one JSON object a line) and print them."""

    def write(**figures):
        figures = {"test": request.node.name, **figures}
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        with REPORT.open("a", encoding="utf-8") as report:
            report.write(json.dumps(figures) + "\n")
        print(json.dumps(figures))

    return write
