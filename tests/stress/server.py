"""Processes the stress suite drives: gunicorn, wrk, an editor, a private Redis and a private PostgreSQL.

Each runs on 127.0.0.1 on a free port, is bounded in time, and is stopped by the code that started it
(by its own process id). The machine's own Redis (6379) and PostgreSQL (5432) are never touched.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("NEWSROOM_PG_BIN", "/usr/lib/postgresql/15/bin"))
WRK = shutil.which("wrk")
SECONDS = float(os.environ.get("NEWSROOM_STRESS_SECONDS", "5"))

WRK_SCRIPT = """
local paths, counter, threads = {}, 0, {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  for i, path in ipairs(args) do paths[i] = path end
  non2xx = 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  io.write(string.format(
    '{"requests": %d, "non2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
    .. '"seconds": %.2f, "p50_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f}\\n',
    summary.requests, bad, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""

EDITOR = """
import json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
import django
django.setup()
from django.db import OperationalError, transaction
from django.utils import timezone
from articles.models import Article, Headline, Status

deadline = time.monotonic() + float(sys.argv[1])
published = edited = 0
errors = []
n = 0
while time.monotonic() < deadline:
    n += 1
    try:
        with transaction.atomic():
            if n % 2:
                Article.objects.create(
                    title=f"Breaking story {n}", slug=f"breaking-story-{os.getpid()}-{n}",
                    standfirst="What happened.", body="<p>What happened, in full.</p>",
                    status=Status.PUBLISHED, published_at=timezone.now(),
                )
                published += 1
            else:
                headline = Headline.objects.order_by("?").first()
                headline.text = f"{headline.text.split(' · ')[0]} · update {n}"
                headline.save()
                edited += 1
    except OperationalError as error:
        errors.append(str(error))
    time.sleep(0.1)
print(json.dumps({"published": published, "edited": edited, "errors": errors}))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def django_env(database_url, static_root=None, **extra):
    """The environment of a production-like process: DEBUG off, a random key, plain HTTP on loopback."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env |= {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if static_root is not None:
        env |= {
            "DJANGO_SETTINGS_MODULE": "tests.stress.settings",
            "NEWSROOM_STRESS_STATIC_ROOT": str(static_root),
        }
    return env | extra


def manage(*args, env):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare_static(root):
    manage("collectstatic", "--noinput", "-v0", env=django_env("sqlite://:memory:", root))
    return root


def prepare_database(database_url):
    """Migrate and load the seed, as a deploy does."""
    env = django_env(database_url)
    manage("migrate", "-v0", env=env)
    manage("loaddata", "seed", env=env)


def get(url, timeout=5):
    """(status, body) of a GET; (0, reason) when the server cannot be reached."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, OSError) as error:
        return 0, str(error)


class Gunicorn:
    """`gunicorn newsroom.wsgi` with the project's gunicorn.conf.py (plus a readiness hook, see
    tests/stress/gunicorn.conf.py), 2 workers, on a free loopback port."""

    def __init__(self, database_url, static_root, log, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.ready_dir = log.parent / f"ready-{self.port}"
        self.ready_dir.mkdir()
        self.env = django_env(
            database_url,
            static_root,
            GUNICORN_ACCESS_LOG="/dev/null",
            NEWSROOM_STRESS_READY_DIR=str(self.ready_dir),
            **env,
        )
        self.process = None

    def start(self):
        command = [
            str(BIN / "gunicorn"),
            "--config",
            str(Path(__file__).with_name("gunicorn.conf.py")),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
            "--no-control-socket",
            "--graceful-timeout",
            "10",
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            workers = self.workers()
            ready = len(workers) == 2 and all((self.ready_dir / str(pid)).exists() for pid in workers)
            if ready and get(self.url + "/healthz", timeout=2)[0] == 200:
                return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")

    def workers(self):
        """The process ids of the master's live workers."""
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except FileNotFoundError:
            return []
        live = []
        for pid in map(int, children):
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                continue
            if state != "Z":
                live.append(pid)
        return live

    def wait_for_workers(self, replacing, timeout=15.0):
        """Seconds until the master has 2 workers again that are not in `replacing` (respawn_s), and
        until both have loaded the app and can serve (ready_s). Old workers may still be draining."""
        started = time.monotonic()
        respawn = None
        while time.monotonic() - started < timeout:
            workers = [pid for pid in self.workers() if pid not in replacing]
            if len(workers) >= 2:
                if respawn is None:
                    respawn = time.monotonic() - started
                if all((self.ready_dir / str(pid)).exists() for pid in workers):
                    return {"respawn_s": round(respawn, 3), "ready_s": round(time.monotonic() - started, 3)}
            time.sleep(0.01)
        return {"respawn_s": respawn if respawn is not None else float("inf"), "ready_s": float("inf")}

    def signal(self, signum, pid=None):
        os.kill(pid or self.process.pid, signum)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wrk(url, paths, seconds=SECONDS, connections=64, threads=2):
    """Run wrk against `url`, cycling through `paths`; its figures as a dict."""
    if WRK is None:
        pytest.skip("wrk is not installed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        command = [
            WRK,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
        ]
        command += ["-s", script.name, url, "--", *paths]
        result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(script.name)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stdout + result.stderr
    figures = json.loads(lines[-1])
    figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
    figures["socket_errors"] = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
    return figures


def start_wrk(url, paths, seconds=SECONDS):
    """wrk in the background: returns a function that waits for it and gives its figures."""
    import threading

    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("figures", wrk(url, paths, seconds)))
    thread.start()

    def finish():
        thread.join(timeout=seconds + 90)
        return box["figures"]

    return finish


def start_editor(database_url, seconds=SECONDS):
    return subprocess.Popen(
        [sys.executable, "-c", EDITOR, str(seconds)],
        cwd=BASE_DIR,
        env=django_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class RedisServer:
    """A private redis-server on a free loopback port, nothing saved to disk."""

    def __init__(self, folder):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.folder = folder
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        command += ["--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def keys(self):
        import redis

        return redis.Redis.from_url(self.url).dbsize()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class PostgresCluster:
    """A throwaway PostgreSQL cluster (initdb in a temp folder) on a free loopback port, fsync off.

    PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
    """

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"no initdb in {PG_BIN}: install postgresql or set NEWSROOM_PG_BIN")
        # Its own folder under /tmp: pytest's temp folders are private to root.
        folder = Path(tempfile.mkdtemp(prefix="newsroom-pg-"))
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(folder, "postgres")
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/newsroom"

    def run(self, *command):
        result = subprocess.run([*self.as_user, *command], capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self.run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self):
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE newsroom")
