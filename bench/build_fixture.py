"""How fast `build_fixture` turns documents into a fixture, and `loaddata` loads it.

    python bench/build_fixture.py [--documents 1000]

Writes N documents in the seed's format to a temporary directory (the seed's
paragraphs and headlines, each made unique per document so no headline is a
duplicate), builds one fixture from all of them, then loads it into a fresh
SQLite database in the same temporary directory. Prints documents per second
and peak memory for the build, and objects per second for the load, each also
per CPU second (the figure to compare when other work shares the machine).
Touches neither the project's database nor its fixtures.
"""

import argparse
import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SEED = BASE_DIR / "fixtures" / "source" / "000_4972f22f92c2959a.txt"


def write_documents(directory, count):
    """`count` documents like the seed, each with its own lead sentence and headlines."""
    body, rest = SEED.read_text(encoding="utf-8").split("\n\n\n", 1)
    paragraphs, headlines = body.splitlines(), [line.strip() for line in rest.split("\n") if line.strip()]
    paths = []
    for number in range(1, count + 1):
        lead = f"In dispatch {number}, {paragraphs[0][0].lower()}{paragraphs[0][1:]}"
        rail = [f"{headline} (dispatch {number})" for headline in headlines]
        path = directory / f"{number:04d}.txt"
        path.write_text(
            "\n".join([lead, *paragraphs[1:]]) + "\n\n\n" + "\n".join(rail) + "\n", encoding="utf-8"
        )
        paths.append(str(path))
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    count = parser.parse_args().documents

    with tempfile.TemporaryDirectory(prefix="bench-build-fixture-") as temporary:
        directory = Path(temporary)
        os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
        sys.path.insert(0, str(BASE_DIR))
        import django

        django.setup()
        from django.core.management import call_command

        paths = write_documents(directory, count)
        output = directory / "bench.json"
        options = {"output": str(output), "published_at": "2025-09-19T09:00:00Z", "stdout": io.StringIO()}

        started, cpu = time.perf_counter(), time.process_time()
        call_command("build_fixture", *paths, **options)
        build_seconds, build_cpu = time.perf_counter() - started, time.process_time() - cpu

        tracemalloc.start()
        call_command("build_fixture", *paths, **options)
        peak_heap = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB

        call_command("migrate", verbosity=0)
        size, objects = output.stat().st_size, output.read_text(encoding="utf-8").count('"model": ')
        started, cpu = time.perf_counter(), time.process_time()
        call_command("loaddata", str(output), stdout=io.StringIO())
        load_seconds, load_cpu = time.perf_counter() - started, time.process_time() - cpu

    mib = 2**20
    print(f"build_fixture: {count} documents in {build_seconds:.2f} s ({build_cpu:.2f} s CPU)")
    print(f"  {count / build_seconds:,.0f} documents/s ({count / build_cpu:,.0f} per CPU second)")
    print(f"  peak memory: {peak_heap / mib:.1f} MiB Python heap (tracemalloc), {peak_rss / mib:.0f} MiB RSS")
    print(f"  fixture: {size / mib:.1f} MiB, {objects:,} objects")
    print(f"loaddata: {objects:,} objects in {load_seconds:.1f} s ({load_cpu:.1f} s CPU), SQLite")
    print(f"  {objects / load_seconds:,.0f} objects/s ({objects / load_cpu:,.0f} per CPU second)")


if __name__ == "__main__":
    main()
