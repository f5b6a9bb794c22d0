"""Load benchmark: gunicorn with production settings, measured with wrk, page by page.

    python bench/load.py --database sqlite --articles seed
    python bench/load.py --database postgres --articles 10000 --redis
    python bench/load.py --all            # the four runs of bench/RESULTS.md

One run prepares a database (`seed`: fixtures/seed.json; a number: that many
articles and 10x headlines from bench/generate.py), collects static files and
starts gunicorn twice on 127.0.0.1 (2 workers, no control socket, access log
off, worker recycling off):

1. as deployed, with the shared page cache: the front page, an article, a tag
   page, a search, a feed, a static file, and the admin article list for a
   signed-in editor;
2. with the page cache off (`NEWSROOM_PAGE_CACHE_SECONDS=0`): the same reader
   pages uncached, a static file again, and the workers' CPU time per request
   of the article page.

Each URL gets a short warm-up and then `--seconds` of wrk (2 threads,
`--connections` connections). Every page's figure is also given as a ratio
to the static file's requests/s in the same server run. The query count of
each page, uncached, is counted in-process. Results print as a table and are
written as JSON to bench/out/. Nothing here is a test: it prints figures.
"""

import argparse
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
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUT = BASE_DIR / "bench" / "out"
PYTHON = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/13"

WRK_REPORT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "non2xx": %d, "errors": %d, '
    .. '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\\n',
    summary.requests, summary.duration / 1e6, bad, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args, env, **kwargs):
    return subprocess.run(args, env=env, cwd=BASE_DIR, check=True, text=True, **kwargs)


def manage(env, *args, **kwargs):
    return run([PYTHON, "manage.py", *args], env, **kwargs)


def base_env(database, redis):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEWSROOM_", "GUNICORN_", "AXES_")) and key != "REDIS_URL"
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on loopback: no redirect to HTTPS, cookies over HTTP.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DATABASE_URL=database,
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_MAX_REQUESTS_JITTER="0",
    )
    if redis:
        env["REDIS_URL"] = REDIS_URL
    return env


def prepare_database(kind, articles, fresh):
    """A migrated database holding the seed or N generated articles; reused when it already does."""
    name = f"newsroom_bench_{articles}"
    if kind == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"{name}.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url, existed = f"sqlite:///{path}", path.exists()
    else:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            existed = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if existed and fresh:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                existed = None
            if not existed:
                conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_SERVER}/{name}"
    env = base_env(url, redis=False)
    # A database kept from an earlier run gets the migrations added since.
    manage(env, "migrate", "--noinput", "-v0")
    if not existed:
        started = time.monotonic()
        if articles == "seed":
            manage(env, "loaddata", "seed", "-v0")
        else:
            run([PYTHON, "bench/generate.py", "--articles", str(articles)], env)
        statement = "VACUUM ANALYZE" if kind == "postgres" else "ANALYZE"
        manage(env, "dbshell", input=f"{statement};\n", stdout=subprocess.DEVNULL)
        print(f"prepared {name} on {kind} in {time.monotonic() - started:.0f}s", flush=True)
    return url


SETUP = r"""
import json
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.core.cache import cache
from django.db.models import Count
from django.templatetags.static import static
from articles.models import Article, Tag

article = Article.objects.published().first()
tag = Tag.objects.annotate(n=Count("tagged_articles")).order_by("-n").first()
words = sorted((w for w in article.title.split() if w.isalpha()), key=len, reverse=True)[:2]
User = get_user_model()
user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", None)
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
urls = {
    "front page": "/",
    "article": article.get_absolute_url(),
    "tag page": tag.get_absolute_url(),
    "search": "/search/?q=" + "+".join(words).lower(),
    "feed": "/feeds/articles.rss",
    "static file": static("css/site.css"),
}
queries = {}
client = Client(HTTP_HOST="127.0.0.1")
for name, url in urls.items():
    if name == "static file":
        continue
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    assert status == 200, (url, status)
    queries[name] = len(captured)
staff = Client(HTTP_HOST="127.0.0.1")
staff.cookies["sessionid"] = session.session_key
with CaptureQueriesContext(connection) as captured:
    assert staff.get("/admin/articles/article/").status_code == 200
queries["admin article list"] = len(captured)
counts = {"articles": Article.objects.count(), "headlines": article.headlines.model.objects.count()}
print(json.dumps({"urls": urls, "queries": queries, "session": session.session_key, "counts": counts}))
"""


def inspect(env):
    """The URLs to measure, each page's uncached query count, and an editor's session cookie."""
    result = manage(env, "shell", "--no-imports", "-c", SETUP, capture_output=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn on a free loopback port, stopped by its own process id."""

    def __init__(self, env):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"gunicorn did not start: {self.process.stderr.read()}") from None
                time.sleep(0.2)

    def workers(self):
        return [
            int(pid) for pid in os.listdir("/proc") if pid.isdigit() and _parent(int(pid)) == self.process.pid
        ]

    def cpu_seconds(self):
        return sum(_cpu(pid) for pid in self.workers())

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _stat(pid):
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _parent(pid):
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def _cpu(pid):
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def wrk(port, path, seconds, connections, headers=()):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    try:
        args = [WRK, f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
        args += ["-s", script.name]
        for header in headers:
            args += ["-H", header]
        result = subprocess.run(
            [*args, f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        )
    finally:
        os.unlink(script.name)
    figures = json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def measure(server, urls, seconds, connections, headers=(), cpu=False):
    figures = {}
    for name, path in urls.items():
        wrk(server.port, path, 2, connections, headers)  # warm-up: caches, connections, imports
        before = server.cpu_seconds()
        figures[name] = wrk(server.port, path, seconds, connections, headers)
        if cpu:
            used = server.cpu_seconds() - before
            figures[name]["cpu_ms_per_request"] = 1000 * used / max(figures[name]["requests"], 1)
        print(f"  {name:<22} {figures[name]['rps']:8.0f} req/s", flush=True)
    return figures


def versions():
    import django
    import psycopg

    wrk_version = subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    pg = ""
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error:
        pass
    return {
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "gunicorn": subprocess.run(
            [str(Path(PYTHON).parent / "gunicorn"), "--version"], capture_output=True, text=True
        ).stdout.strip(),
        "postgresql": pg,
        "sqlite": __import__("sqlite3").sqlite_version,
        "wrk": wrk_version,
        "cpus": os.cpu_count(),
        "cpu_model": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        ),
    }


def one_run(kind, articles, seconds, connections, redis, fresh):
    url = prepare_database(kind, articles, fresh)
    load_before = os.getloadavg()[0]
    env = base_env(url, redis)
    manage(env, "collectstatic", "--noinput", "-v0")
    info = inspect(env)
    urls = info["urls"]
    reader = {name: path for name, path in urls.items()}
    print(f"{kind}, {articles} articles ({info['counts']}), cache: {'Redis' if redis else 'local memory'}")

    print(" cached (as deployed):", flush=True)
    server = Server(env)
    try:
        cached = measure(server, reader, seconds, connections)
        admin = measure(
            server,
            {"admin article list": "/admin/articles/article/"},
            seconds,
            1,
            headers=[f"Cookie: sessionid={info['session']}"],
        )
    finally:
        server.stop()

    print(" page cache off:", flush=True)
    server = Server(env | {"NEWSROOM_PAGE_CACHE_SECONDS": "0"})
    try:
        uncached = measure(server, reader, seconds, connections, cpu=True)
        search_alone = measure(server, {"search (1 connection)": urls["search"]}, seconds, 1)
    finally:
        server.stop()

    for figures in (cached, uncached):
        static = figures["static file"]["rps"]
        for page in figures.values():
            page["ratio_to_static"] = page["rps"] / static
    return {
        "database": kind,
        "articles": articles,
        "counts": info["counts"],
        "cache": "redis" if redis else "locmem",
        "seconds_per_url": seconds,
        # Other work on the machine skews every figure: the 1-minute load average around the run.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "connections": connections,
        "urls": urls,
        "queries_uncached": info["queries"],
        "cached": cached,
        "admin": admin,
        "uncached": uncached | search_alone,
    }


def table(result):
    lines = [
        f"### {result['database']}, {result['counts']['articles']:,} articles / "
        f"{result['counts']['headlines']:,} headlines, cache: {result['cache']}",
        "",
        f"Load average before and after: {result['load_average'][0]} / {result['load_average'][1]}.",
        "",
        "| page | cached req/s | p50 ms | p99 ms | ratio "
        "| uncached req/s | p50 ms | p99 ms | ratio | queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in result["cached"]:
        c, u = result["cached"][name], result["uncached"][name]
        lines.append(
            f"| {name} | {c['rps']:,.0f} | {c['p50_ms']:.1f} | {c['p99_ms']:.1f} "
            f"| {c['ratio_to_static']:.0%} "
            f"| {u['rps']:,.0f} | {u['p50_ms']:.1f} | {u['p99_ms']:.1f} | {u['ratio_to_static']:.0%} "
            f"| {result['queries_uncached'].get(name, '-')} |"
        )
    admin = result["admin"]["admin article list"]
    search = result["uncached"]["search (1 connection)"]
    lines += [
        "",
        f"- Uncached article page: {result['uncached']['article']['cpu_ms_per_request']:.1f} ms "
        "of worker CPU per request.",
        f"- Uncached search, one connection: p50 {search['p50_ms']:.1f} ms, p95 {search['p95_ms']:.1f} ms, "
        f"p99 {search['p99_ms']:.1f} ms ({search['rps']:.0f} req/s).",
        f"- Admin article list, signed in, one connection: p50 {admin['p50_ms']:.1f} ms, "
        f"p95 {admin['p95_ms']:.1f} ms, p99 {admin['p99_ms']:.1f} ms "
        f"({result['queries_uncached']['admin article list']} queries).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--articles", default="seed", help='"seed" or a number of articles [seed]')
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per URL [10]")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections [16]")
    parser.add_argument("--redis", action="store_true", help=f"shared cache in Redis ({REDIS_URL})")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    parser.add_argument("--all", action="store_true", help="SQLite and PostgreSQL (Redis), seed and 10,000")
    args = parser.parse_args(argv)

    runs = (
        [
            ("sqlite", "seed", False),
            ("sqlite", "10000", False),
            ("postgres", "seed", True),
            ("postgres", "10000", True),
        ]
        if args.all
        else [(args.database, args.articles, args.redis)]
    )
    results = []
    for kind, articles, redis in runs:
        results.append(one_run(kind, articles, args.seconds, args.connections, redis, args.fresh))
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": versions(),
        "runs": results,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    name = "all" if args.all else f"{args.database}-{args.articles}"
    (OUT / f"load-{name}.json").write_text(json.dumps(report, indent=2))
    print()
    for result in results:
        print(table(result))


if __name__ == "__main__":
    main()
