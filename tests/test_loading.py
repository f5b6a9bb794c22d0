"""`manage.py loaddata seed`: complete, repeatable, atomic, and at peace with content already there."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError

from articles.models import Article, Headline, Tag, TaggedArticle, TaggedHeadline

SEED_FIXTURE = Path(settings.BASE_DIR, "fixtures", "seed.json")
SEED_OBJECTS = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
MODELS = [Tag, Article, TaggedArticle, Headline, TaggedHeadline]
VISA_HEADLINE = "California, 18 States Sue to Block Trump\u2019s $100,000 H-1B Visa Fee"

pytestmark = pytest.mark.django_db


def load(*labels):
    call_command("loaddata", *labels, stdout=io.StringIO())


def snapshot():
    """Every row the seed touches, by model, as the database holds them."""
    return {model.__name__: sorted(model.objects.values_list()) for model in MODELS}


def seed_count(model):
    return sum(obj["model"] == model._meta.label_lower for obj in SEED_OBJECTS)


def test_loaddata_seed_creates_the_article_the_rail_and_their_tags():
    load("seed")
    assert Article.objects.count() == 1
    assert Headline.objects.count() == 17
    for model in [Tag, TaggedArticle, TaggedHeadline]:
        assert model.objects.count() == seed_count(model)
    assert list(Headline.objects.values_list("position", flat=True)) == list(range(1, 18))


def test_loading_the_seed_twice_duplicates_nothing():
    load("seed")
    first = snapshot()
    load("seed")
    assert snapshot() == first


def test_seed_round_trips_through_dumpdata():
    load("seed")
    out = io.StringIO()
    labels = [model._meta.label_lower for model in MODELS]
    call_command("dumpdata", *labels, natural_foreign=True, natural_primary=True, stdout=out)
    assert sorted(map(json.dumps, json.loads(out.getvalue()))) == sorted(map(json.dumps, SEED_OBJECTS))


def test_a_fixture_with_a_bad_last_object_loads_nothing(tmp_path, make_article):
    make_article(slug="already-here", tags=["Local"])
    before = snapshot()
    broken = [
        *SEED_OBJECTS,
        {"model": "articles.taggedheadline", "fields": {"content_object": ["nope"], "tag": ["ai"]}},
    ]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(DeserializationError, match="Problem installing fixture"):
        load(str(path))
    assert snapshot() == before


def test_seed_loads_beside_other_articles_and_tags(make_article, make_headline):
    existing = make_article(slug="local-story", tags=["AI", "Local"])
    make_headline(slug="local-headline", tags=["Local"])
    load("seed")
    assert Article.objects.count() == 2 and Headline.objects.count() == 18
    existing.refresh_from_db()
    assert sorted(existing.tags.names()) == ["AI", "Local"]
    ai = Tag.objects.get(slug="ai")
    assert ai.description.startswith("Artificial intelligence")
    assert [article.slug for article in Article.objects.filter(tags=ai)] == ["local-story"]
    assert Headline.objects.filter(tags=ai).count() == 4


def test_seed_takes_over_a_tag_with_its_slug_whatever_its_letter_case(make_article):
    tag = Tag.objects.create(name="ai", slug="ai")
    make_article(tags=[tag])
    load("seed")
    tag.refresh_from_db()
    assert tag.name == "AI"
    assert (tag.tagged_articles.count(), tag.tagged_headlines.count()) == (1, 4)


def test_seed_refuses_a_tag_of_the_same_name_under_another_slug_and_loads_nothing(make_article):
    """Names are unique in any case: an editor's "Ai" at another slug must be renamed or merged first."""
    make_article(tags=[Tag.objects.create(name="Ai", slug="artificial-intelligence")])
    before = snapshot()
    with pytest.raises(IntegrityError):
        load("seed")
    assert snapshot() == before


def test_headlines_sharing_tags_with_the_article_are_its_related_headlines():
    load("seed")
    article = Article.objects.get()
    related = Headline.objects.filter(tags__in=article.tags.all()).distinct()
    assert VISA_HEADLINE in {headline.text for headline in related}


def test_seed_text_reaches_the_pages_unchanged(client):
    load("seed")
    front = client.get("/").content.decode()
    assert "A top U.S. diplomat has expressed regret over a recent immigration raid in Georgia" in front
    assert "Ukraine\u2019s NATO Concession Unlikely to Shift Peace Talks, Experts Say" in front
    assert "Mizuho Raises Broadcom Price Target to $450 on Surging AI Chip Demand" in front
    article = client.get(Article.objects.get().get_absolute_url()).content.decode()
    assert "Park described Landau\u2019s visit as timely" in article
    assert VISA_HEADLINE in article
    last = client.get(Headline.objects.get(position=17).get_absolute_url()).content.decode()
    assert "Sues Over A$13.5 Million Bonus Dispute" in last
