"""Shared fixtures: content factories that go through the project's own models."""

import itertools
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article, Headline, Status

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with an empty cache: no page rendered by another test is served to this one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_article(db):
    """Create an article; published an hour ago unless told otherwise."""

    def make(**fields):
        n = next(_counter)
        tags = fields.pop("tags", [])
        defaults = {
            "title": f"Article number {n}",
            "slug": f"article-{n}",
            "standfirst": f"The summary of article {n}.",
            "body": f"<p>The body of article {n}.</p>",
            "status": Status.PUBLISHED,
            "published_at": timezone.now() - timedelta(hours=1),
        }
        article = Article.objects.create(**(defaults | fields))
        if tags:
            article.tags.add(*tags)
        return article

    return make


@pytest.fixture
def make_headline(db):
    """Create a headline; published an hour ago unless told otherwise."""

    def make(**fields):
        n = next(_counter)
        tags = fields.pop("tags", [])
        defaults = {
            "text": f"Headline number {n}",
            "slug": f"headline-{n}",
            "position": n,
            "status": Status.PUBLISHED,
            "published_at": timezone.now() - timedelta(hours=1),
        }
        headline = Headline.objects.create(**(defaults | fields))
        if tags:
            headline.tags.add(*tags)
        return headline

    return make
