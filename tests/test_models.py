from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from articles.models import Article, Headline, Status, Tag, ascii_slug


def test_published_excludes_drafts_and_scheduled(make_article):
    live = make_article()
    make_article(status=Status.DRAFT, published_at=None)
    make_article(published_at=timezone.now() + timedelta(hours=1))
    assert list(Article.objects.published()) == [live]


def test_scheduled_article_appears_when_its_time_passes(make_article, monkeypatch):
    when = timezone.now() + timedelta(minutes=5)
    article = make_article(published_at=when)
    assert article not in Article.objects.published()
    monkeypatch.setattr(timezone, "now", lambda: when + timedelta(seconds=1))
    assert article in Article.objects.published()


def test_headline_rail_keeps_editors_order(make_headline):
    third = make_headline(position=3)
    first = make_headline(position=1)
    second = make_headline(position=2)
    assert list(Headline.objects.rail()) == [first, second, third]


@pytest.mark.django_db
def test_tags_are_unique_in_any_letter_case():
    Tag.objects.create(name="AI", slug="ai")
    with pytest.raises(IntegrityError):
        Tag.objects.create(name="ai", slug="ai-2")


@pytest.mark.django_db
def test_published_article_needs_a_publication_time():
    with pytest.raises(IntegrityError):
        Article.objects.create(
            title="T", slug="t", standfirst="S", body="B", status=Status.PUBLISHED, published_at=None
        )


def test_natural_keys_round_trip(make_article):
    article = make_article(tags=["Trade"])
    tag = Tag.objects.get(name="Trade")
    through = article.tags.through.objects.get()
    assert Article.objects.get_by_natural_key(*article.natural_key()) == article
    assert Tag.objects.get_by_natural_key(*tag.natural_key()) == tag
    assert through.natural_key() == (article.slug, tag.slug)
    assert article.tags.through.objects.get_by_natural_key(*through.natural_key()) == through


def test_ascii_slug_cuts_at_a_word_boundary():
    slug = ascii_slug("word " * 60)
    assert len(slug) <= 120
    assert slug.endswith("word")
    assert ascii_slug("économie") == "economie"
    assert ascii_slug("経済").startswith("x-")


def test_article_body_is_sanitised_on_save(make_article):
    article = make_article(
        body='<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:x">l</a>'
    )
    article.refresh_from_db()
    assert "script" not in article.body
    assert "onclick" not in article.body
    assert "javascript" not in article.body
