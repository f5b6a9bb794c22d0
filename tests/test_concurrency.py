"""SQLite under concurrent writes, with the project's own database settings (WAL, IMMEDIATE, busy timeout).

Six processes each make 100 read-modify-write saves of one row while a seventh keeps reading
pages: no save is lost, no "database is locked" reaches anyone, and the reader is served all along.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
WRITERS = 6
SAVES = 100

SETUP = """
import os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
import django
django.setup()
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.01)
"""

WRITER = (
    SETUP
    + """
import json
from django.db import OperationalError, transaction
from articles.models import Headline
saved, errors = 0, []
for _ in range(int(sys.argv[2])):
    try:
        with transaction.atomic():
            headline = Headline.objects.get(slug="counter")
            headline.position += 1
            headline.save()
        saved += 1
    except OperationalError as exc:
        errors.append(str(exc))
print(json.dumps({"saved": saved, "errors": errors}))
"""
)

READER = (
    SETUP
    + """
import json
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
statuses, slowest, stop = {}, 0.0, sys.argv[2]
while not os.path.exists(stop):
    for url in ("/", "/headlines/counter/"):
        started = time.monotonic()
        status = client.get(url).status_code
        slowest = max(slowest, time.monotonic() - started)
        statuses[status] = statuses.get(status, 0) + 1
print(json.dumps({"statuses": statuses, "slowest": slowest}))
"""
)


def environment(db):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    return env | {
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_LOG_LEVEL": "ERROR",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def test_six_writers_lose_no_save_while_a_reader_is_served(tmp_path):
    db = tmp_path / "db.sqlite3"
    env = environment(db)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.utils import timezone; from articles.models import Headline; "
            "Headline.objects.create(text='Counter', slug='counter', position=0, status='published', "
            "published_at=timezone.now())",
        ],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    go, stop = tmp_path / "go", tmp_path / "stop"

    def spawn(script, arg):
        return subprocess.Popen(
            [sys.executable, "-c", script, str(go), str(arg)],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    writers = [spawn(WRITER, SAVES) for _ in range(WRITERS)]
    reader = spawn(READER, stop)
    started = time.monotonic()
    go.touch()
    try:
        results = [json.loads(writer.communicate(timeout=300)[0]) for writer in writers]
        elapsed = time.monotonic() - started
    finally:
        stop.touch()
        for process in [*writers, reader]:
            if process.poll() is None:
                process.wait(timeout=60)
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    served = json.loads(out)

    errors = [error for result in results for error in result["errors"]]
    assert errors == []
    assert sum(result["saved"] for result in results) == WRITERS * SAVES
    counter = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from articles.models import Headline; print(Headline.objects.get(slug='counter').position)",
        ],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert int(counter.stdout.split()[-1]) == WRITERS * SAVES, "a read-modify-write save was lost"
    assert set(served["statuses"]) == {"200"}, served
    assert sum(served["statuses"].values()) >= 10, served
    print(
        f"\n{WRITERS}x{SAVES} saves in {elapsed:.1f}s, none lost; reader served "
        f"{sum(served['statuses'].values())} pages, slowest {served['slowest'] * 1000:.0f} ms"
    )


def test_sqlite_settings_keep_the_concurrency_options():
    """The guarantee above holds only with these options: this says so if they are dropped."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("this run uses PostgreSQL")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
