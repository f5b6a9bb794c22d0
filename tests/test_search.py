from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Headline, Status
from articles.search import BACKENDS, search, terms_of

pytestmark = pytest.mark.skipif(
    connection.vendor not in BACKENDS, reason=f"no search backend for {connection.vendor} yet"
)
only_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")


def found(query):
    return [(hit.kind, hit.object) for hit in search(query)[0:50]]


def test_search_finds_titles_standfirsts_bodies_and_headlines(make_article, make_headline):
    by_title = make_article(title="Shipyard strike ends")
    by_standfirst = make_article(standfirst="Workers at the shipyard vote to return.")
    by_body = make_article(body="<p>The shipyard reopened on Monday.</p>")
    headline = make_headline(text="Shipyard owners react")
    make_article(title="Nothing to see")
    assert {item for _, item in found("shipyard")} == {by_title, by_standfirst, by_body, headline}
    assert ("headline", headline) in found("shipyard")


def test_title_matches_rank_above_body_matches(make_article):
    body = make_article(title="Harbour news", body="<p>A line about tariffs, once.</p>")
    title = make_article(title="Tariffs rise again")
    hits = search("tariffs")[0:10]
    assert [hit.object for hit in hits] == [title, body]
    assert hits[0].rank > hits[1].rank


def test_every_word_must_match(make_article):
    both = make_article(title="Port strike in Busan")
    make_article(title="Port reopens")
    assert [item for _, item in found("busan port")] == [both]


def test_search_never_finds_drafts_or_scheduled_items(make_article, make_headline):
    make_article(title="Embargoed merger", status=Status.DRAFT, published_at=None)
    make_article(title="Merger tomorrow", published_at=timezone.now() + timedelta(days=1))
    make_headline(text="Merger draft headline", status=Status.DRAFT, published_at=None)
    assert found("merger") == []


def test_matches_are_highlighted_and_text_escaped(make_article):
    make_article(title="<b>Bold</b> claims about ports", standfirst="Ports & harbours <script>")
    hit = search("ports")[0:1][0]
    assert hit.title == "&lt;b&gt;Bold&lt;/b&gt; claims about <mark>ports</mark>"
    assert "<mark>Ports</mark> &amp; harbours &lt;script&gt;" in hit.snippet


def test_a_snippet_never_shows_markup_even_where_a_long_body_is_cut(make_article):
    """PostgreSQL draws snippets from the body's opening: a link cut in two there must not show as text."""
    opening = "<p>" + "word " * 397 + "lighthouse "
    make_article(body=f'{opening}<a href="https://example.com/keepers">keepers</a> retire &amp; leave.</p>')
    snippet = search("lighthouse")[0:1][0].snippet
    assert "<mark>lighthouse</mark>" in snippet
    assert "href" not in snippet and "&lt;" not in snippet


def test_markup_words_are_not_indexed(make_article):
    make_article(body='<p><strong>Loud</strong> <a href="https://example.com">link</a></p>')
    assert found("strong") == []
    assert found("href") == []
    assert len(found("loud")) == 1


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "NEAR(",
        "a OR",
        "*",
        "title:x",
        "^",
        "-",
        "'; DROP TABLE articles_article; --",
        "x" * 5000,
        "\x00",
        "",
    ],
)
def test_hostile_or_odd_queries_give_a_normal_page(client, make_article, query):
    make_article(title="Something")
    response = client.get(reverse("articles:search"), {"q": query})
    assert response.status_code == 200
    assert "Search" in response.content.decode()


def test_long_queries_are_cut_to_a_few_terms():
    assert len(terms_of("word " * 1000)) == 12


def test_search_page_shows_ranked_highlighted_results_and_paginates(client, make_article):
    for n in range(25):
        make_article(title=f"Election result {n}", published_at=timezone.now() - timedelta(minutes=n + 1))
    html = client.get(reverse("articles:search"), {"q": "election"}).content.decode()
    assert "25 results for “election”" in html
    assert "<mark>Election</mark> result" in html
    assert "Page 1 of 2" in html and 'href="?q=election&amp;page=2"' in html
    second = client.get(reverse("articles:search"), {"q": "election", "page": 2}).content.decode()
    assert second.count('class="result"') == 5
    assert "25 results" in second
    # Past the end and junk: the last and the first page, still counted.
    past = client.get(reverse("articles:search"), {"q": "election", "page": 9}).content.decode()
    assert "25 results" in past and past.count('class="result"') == 5
    junk = client.get(reverse("articles:search"), {"q": "election", "page": "x"}).content.decode()
    assert "25 results" in junk and junk.count('class="result"') == 20


def test_results_link_where_their_items_do(client, make_article, make_headline):
    story = make_article(title="Dockers story", published_at=timezone.now() - timedelta(days=1))
    draft = make_article(title="Draft", status=Status.DRAFT, published_at=None)
    to_story = make_headline(text="Dockers vote", article=story)
    to_draft = make_headline(text="Dockers wait", article=draft)
    outside = make_headline(text="Dockers abroad", url="https://example.org/dockers")
    html = client.get(reverse("articles:search"), {"q": "dockers"}).content.decode()
    assert html.count(f'href="{story.get_absolute_url()}"') == 2  # the story and the headline pointing at it
    assert f'href="{to_draft.get_absolute_url()}"' in html  # its article is not out yet
    assert 'href="https://example.org/dockers"' in html
    assert to_story.published_at.strftime("%Y-%m-%dT%H:%M:%S") in html
    assert outside.published_at.strftime("%Y-%m-%dT%H:%M:%S") in html


def test_a_search_page_counts_its_matches_in_the_query_that_finds_them(client, make_article):
    for n in range(25):
        make_article(title=f"Harbour news {n}")
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("articles:search"), {"q": "harbour", "page": 2})
    searches = [query for query in captured if "articles_search" in query["sql"] or "@@" in query["sql"]]
    assert len(searches) == 1


def test_query_is_escaped_on_the_page(client, db):
    html = client.get(reverse("articles:search"), {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_index_follows_edits_and_deletes(make_article, make_headline):
    article = make_article(title="Original wording")
    headline = make_headline(text="Original headline")
    article.title = "Revised wording"
    article.save()
    Headline.objects.filter(pk=headline.pk).update(text="Revised headline")
    assert found("original") == []
    assert len(found("revised")) == 2
    article.delete()
    assert found("revised") == [("headline", Headline.objects.get())]


@only_sqlite
def test_loaddata_keeps_the_index_in_sync(tmp_path, db):
    fixture = tmp_path / "story.json"
    fixture.write_text(
        """[{"model": "articles.article", "fields": {"title": "Loaded lighthouse story", "slug": "lighthouse",
        "standfirst": "S", "body": "<p>B</p>", "status": "published", "published_at": "2024-01-01T00:00:00Z",
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}}]"""
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert found("lighthouse") == [("article", Article.objects.get(slug="lighthouse"))]
    fixture.write_text(fixture.read_text().replace("Loaded lighthouse story", "Loaded beacon story"))
    call_command("loaddata", str(fixture), verbosity=0)
    assert found("lighthouse") == []
    assert len(found("beacon")) == 1


@only_sqlite
def test_search_uses_the_fts5_index_not_a_scan(make_article):
    make_article(title="Indexed")
    with CaptureQueriesContext(connection) as queries:
        assert len(found("indexed")) == 1
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "articles_search MATCH" in sql
    assert " LIKE " not in sql.upper()
