"""Every reader page runs the same small number of queries at the seed size and with lots of content."""

import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.context_processors import breaking_headlines
from articles.models import Article, Headline, Status, Tag, TaggedArticle, TaggedHeadline
from articles.search import BACKENDS

BUDGETS = {
    "front page": (lambda: reverse("articles:front-page"), 6),
    "article": (lambda: Article.objects.published().first().get_absolute_url(), 5),
    "headline": (lambda: Headline.objects.published().first().get_absolute_url(), 4),
    "headlines": (lambda: reverse("articles:headline-list"), 4),
    "tag index": (lambda: reverse("articles:tag-list"), 4),
    "tag": (lambda: reverse("articles:tag-detail", args=["topic-1"]), 6),  # no counts: uncounted pages
    "archive": (lambda: reverse("articles:archive-index"), 8),
    "archive year": (lambda: reverse("articles:archive-year", args=[timezone.now().year]), 10),
    "archive month": (
        lambda: reverse("articles:archive-month", args=[timezone.now().year, timezone.now().month]),
        9,
    ),
    "search": (lambda: reverse("articles:search") + "?q=story", 3),
    "articles rss": (lambda: reverse("articles:articles-feed-rss"), 3),
    "articles atom": (lambda: reverse("articles:articles-feed-atom"), 3),
    "tag rss": (lambda: reverse("articles:tag-feed-rss", args=["topic-1"]), 4),
    "headlines rss": (lambda: reverse("articles:headlines-feed-rss"), 3),
    "sitemap": (lambda: reverse("sitemap"), 7),
    "news sitemap": (lambda: reverse("news-sitemap"), 3),
}


def seed(articles, headlines, tags=30):
    """Create published content in a few bulk queries, all within the current month."""
    now = timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    span = (now - month_start) / (articles + 1)
    tag_rows = Tag.objects.bulk_create(Tag(name=f"Topic {n}", slug=f"topic-{n}") for n in range(1, tags + 1))
    article_rows = Article.objects.bulk_create(
        Article(
            title=f"Story {n}",
            slug=f"story-{n}",
            standfirst=f"The story of {n}.",
            body=f"<p>Body of story {n}.</p>",
            byline="Staff reporter",
            status=Status.PUBLISHED,
            published_at=now - span * (n + 1),
        )
        for n in range(articles)
    )
    headline_rows = Headline.objects.bulk_create(
        Headline(
            text=f"Headline {n} story",
            slug=f"headline-{n}",
            position=n,
            article=article_rows[n % articles] if n % 2 else None,
            url="" if n % 2 else "https://example.com/",
            is_breaking=n == 0,
            status=Status.PUBLISHED,
            published_at=now - span * (n % articles + 1),
        )
        for n in range(headlines)
    )
    cycle = itertools.cycle(tag_rows)
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object=article, tag=next(cycle)) for article in article_rows for _ in range(3)
    )
    TaggedHeadline.objects.bulk_create(
        TaggedHeadline(content_object=headline, tag=tag_rows[n % tags])
        for n, headline in enumerate(headline_rows)
    )


@pytest.fixture(params=["seed size", "large"])
def site(request, db):
    if request.param == "seed size":
        seed(articles=12, headlines=20, tags=5)
    else:
        seed(articles=500, headlines=5000)
    return request.param


@pytest.mark.parametrize("page", BUDGETS)
def test_reader_pages_run_a_fixed_number_of_queries(client, site, page, django_assert_max_num_queries):
    if page == "search" and connection.vendor not in BACKENDS:
        pytest.skip("no search backend for this database yet")
    url, budget = BUDGETS[page]
    url = url()
    cache.clear()  # measure the page being built, not served from the shared page cache
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200, url


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's virtual machine steps")
def test_a_write_costs_the_same_however_many_headlines_there_are(site):
    """Every write runs the content-version trigger; it must seek its indexes, never walk a whole one.

    Its search for the next banner expiry once read every headline's index entry: 150,000 taggings
    took twenty minutes to load at 100,000 headlines.
    """
    steps = 0

    def count():
        nonlocal steps
        steps += 1  # per 100 instructions

    article = Article.objects.first()
    tag = Tag.objects.create(name="Fresh topic", slug="fresh-topic")
    connection.connection.set_progress_handler(count, 100)
    try:
        TaggedArticle.objects.create(content_object=article, tag=tag)
    finally:
        connection.connection.set_progress_handler(None, 100)
    assert steps < 20, f"about {steps * 100} instructions for one tagging"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's virtual machine steps")
def test_the_breaking_banner_costs_the_same_however_many_headlines_there_are(site):
    """Every page shows the banner: its query must read the small partial index of flagged headlines,
    not every published headline (SQLite matches that index only to `WHERE is_breaking` as written)."""
    steps = 0

    def count():
        nonlocal steps
        steps += 1  # per 100 instructions

    connection.ensure_connection()
    connection.connection.set_progress_handler(count, 100)
    try:
        banner = breaking_headlines()
    finally:
        connection.connection.set_progress_handler(None, 100)
    assert len(banner) == 1
    assert steps < 20, f"about {steps * 100} instructions for the banner"
