"""What differs by database: PostgreSQL's search index, and the same search results on both backends.

The suite runs once on SQLite and once on PostgreSQL (`DATABASE_URL`). The
PostgreSQL-only tests here check its own index; the cross-backend test runs
on either and compares with the other database in a subprocess.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article, Headline
from articles.search import search, terms_of

BASE_DIR = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = os.environ.get("NEWSROOM_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")

only_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own index")


def found(query):
    results = search(query)
    return [(hit.kind, hit.object) for hit in results[0 : results.count()]]


@only_postgres
def test_search_vectors_weigh_title_over_standfirst_over_body(make_article):
    article = make_article(title="Harbour", standfirst="Quay", body="<p>Crane</p>")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM articles_article WHERE id = %s", [article.pk])
        vector = cursor.fetchone()[0]

    assert "'harbour':1A" in vector
    assert "'quay':2B" in vector
    assert "'crane':3" in vector and "'crane':3A" not in vector and "'crane':3B" not in vector


@only_postgres
def test_a_title_match_outranks_a_body_match(make_article):
    body_match = make_article(title="Council news", body="<p>The lighthouse keeper retired.</p>")
    title_match = make_article(title="Lighthouse keeper retires", body="<p>After forty years.</p>")

    assert [item for _, item in found("lighthouse keeper")] == [title_match, body_match]


@only_postgres
def test_the_gin_indexes_serve_search(make_article, make_headline):
    make_article(title="Indexed story")
    make_headline(text="Indexed headline")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM articles_article WHERE search_vector @@ "
            "websearch_to_tsquery('newsroom_search', '\"indexed\"') "
            "UNION ALL SELECT id FROM articles_headline WHERE search_vector @@ "
            "websearch_to_tsquery('newsroom_search', '\"indexed\"')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "articles_article_search_idx" in plan
    assert "articles_headline_search_idx" in plan


@only_postgres
def test_story_vectors_are_kept_in_the_row_for_ranking(db):
    """Ranking reads every matching story's vector; out of line, each read was a trip to the TOAST table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute"
            " WHERE attrelid = 'articles_article'::regclass AND attname = 'search_vector'"
        )
        assert cursor.fetchone()[0] == "m"  # MAIN: in the row, compressed if need be; bodies move out first


@only_postgres
def test_loaddata_and_bulk_updates_keep_the_vectors_in_sync(tmp_path, db):
    fixture = tmp_path / "story.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "articles.article",
                    "fields": {
                        "title": "Loaded lighthouse story",
                        "slug": "lighthouse",
                        "standfirst": "S",
                        "body": "<p>B</p>",
                        "status": "published",
                        "published_at": "2024-01-01T00:00:00Z",
                        "created_at": "2024-01-01T00:00:00Z",
                        "updated_at": "2024-01-01T00:00:00Z",
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert [item.slug for _, item in found("lighthouse")] == ["lighthouse"]

    Article.objects.update(title="Beacon story")

    assert found("lighthouse") == []
    assert [item.slug for _, item in found("beacon")] == ["lighthouse"]


@only_postgres
def test_accents_and_case_are_ignored_and_words_are_not_stemmed(make_article):
    make_article(title="Élection à Zürich", slug="zurich")

    assert len(found("election zurich")) == 1
    assert len(found("ÉLECTION")) == 1
    # FTS5's unicode61 does not stem; neither does the PostgreSQL configuration.
    assert found("elections") == []


@only_postgres
def test_a_very_long_body_is_saved_and_found_by_its_opening(make_article):
    words = " ".join(f"w{n}x" for n in range(120_000))
    article = make_article(title="Long read", body=f"<p>Quarry {words}</p>")

    assert Article.objects.filter(pk=article.pk).exists()
    assert [item for _, item in found("quarry")] == [article]


def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'other.sqlite3'}"


@pytest.fixture
def other_database(tmp_path):
    """A database on the other backend than the suite's, created for this test and removed after."""
    if connection.vendor == "postgresql":
        yield sqlite_url(tmp_path)
        return
    name = f"newsroom_compare_{os.getpid()}"
    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip(f"no PostgreSQL at {POSTGRES_SERVER} to compare with")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SEARCH_SCRIPT = """
import json, sys
from articles.search import search
results = {}
for query in json.loads(sys.stdin.read()):
    hits = search(query)
    results[query] = sorted([hit.kind, hit.object.slug] for hit in hits[0:hits.count()])
print(json.dumps(results))
"""


def seed_queries():
    """Words of the seed's titles and headlines, one by one and in pairs, in other cases and accents."""
    texts = [
        *Article.objects.values_list("title", flat=True),
        *Headline.objects.values_list("text", flat=True),
    ]
    words = sorted({word.lower() for text in texts for word in terms_of(text) if len(word) > 2})
    pairs = [f"{a} {b}" for a, b in zip(words[::7], words[3::7], strict=False)]
    return [*words, *pairs, *(word.upper() for word in words[::5]), "reunión", "zzzz nothing", "or and not"]


@pytest.mark.django_db(transaction=True)
def test_both_backends_find_the_same_items_on_the_seed(other_database):
    call_command("loaddata", "seed", verbosity=0)
    queries = seed_queries()
    here = {
        query: sorted([hit.kind, hit.object.slug] for hit in search(query)[0 : search(query).count()])
        for query in queries
    }

    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env["DATABASE_URL"] = other_database
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True, timeout=300)
    subprocess.run([*manage, "loaddata", "seed", "-v0"], cwd=BASE_DIR, env=env, check=True, timeout=300)
    other = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", SEARCH_SCRIPT],
        cwd=BASE_DIR,
        env=env,
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    there = json.loads(other.stdout.strip().splitlines()[-1])

    assert sum(1 for hits in here.values() if hits) > len(queries) / 2
    assert {query: hits for query, hits in here.items() if hits != there[query]} == {}
