"""An article's surroundings: related articles and headlines, previous and next, from one query."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import surroundings
from articles.models import Status
from articles.surroundings import surroundings_of


def titles(articles):
    return [article.title for article in articles]


def test_related_articles_share_most_tags_first_then_newest(make_article):
    now = timezone.now()
    article = make_article(tags=["Trade", "Korea", "Visas"])
    make_article(title="One, older", tags=["Trade"], published_at=now - timedelta(days=2))
    make_article(title="One, newer", tags=["Visas"], published_at=now - timedelta(days=1))
    make_article(title="Three", tags=["Trade", "Korea", "Visas"], published_at=now - timedelta(days=3))
    make_article(title="Two", tags=["Korea", "Trade"], published_at=now - timedelta(days=4))
    make_article(title="Nothing shared", tags=["Weather"])
    make_article(title="Draft", tags=["Trade"], status=Status.DRAFT)
    make_article(title="Scheduled", tags=["Trade"], published_at=now + timedelta(hours=1))
    related = surroundings_of(article).related_articles
    assert titles(related) == ["Three", "Two", "One, newer", "One, older"]
    assert article not in related


def test_related_articles_are_at_most_five_ranked_among_the_newest_sharing_a_tag(make_article, monkeypatch):
    now = timezone.now()
    article = make_article(tags=["Trade", "Korea"])
    make_article(title="Old, shares both", tags=["Trade", "Korea"], published_at=now - timedelta(days=30))
    for n in range(6):
        make_article(title=f"New {n}", tags=["Trade"], published_at=now - timedelta(days=n))
    newest = [f"New {n}" for n in range(5)]
    assert titles(surroundings_of(article).related_articles) == ["Old, shares both", *newest[:4]]
    # A popular tag's older items fall out of the window the ranking looks at.
    monkeypatch.setattr(surroundings, "RELATED_WINDOW", 6)
    assert titles(surroundings_of(article).related_articles) == newest


def test_related_headlines_come_with_their_articles_links(make_article, make_headline):
    article = make_article(tags=["Trade"])
    story = make_article(title="The story", tags=["Weather"])
    draft = make_article(title="Not yet", status=Status.DRAFT)
    make_headline(text="Linked", article=story, tags=["Trade"])
    to_draft = make_headline(text="To a draft", article=draft, tags=["Trade"])
    make_headline(text="Outside", url="https://example.com/news", tags=["Trade"])
    make_headline(text="Unrelated", tags=["Weather"])
    make_headline(text="Unpublished", tags=["Trade"], status=Status.DRAFT)
    headlines = surroundings_of(article).related_headlines
    related = {headline.text: headline.link for headline in headlines}
    assert related == {
        "Linked": story.get_absolute_url(),
        "To a draft": to_draft.get_absolute_url(),
        "Outside": "https://example.com/news",
    }
    assert [headline.article.title for headline in headlines if headline.text == "Linked"] == ["The story"]


def test_previous_and_next_follow_publication_order_ties_by_id(make_article):
    now = timezone.now()
    first = make_article(title="First", published_at=now - timedelta(days=2))
    tied_a = make_article(title="Tied A", published_at=now - timedelta(days=1))
    tied_b = make_article(title="Tied B", published_at=tied_a.published_at)
    last = make_article(title="Last", published_at=now - timedelta(hours=1))
    make_article(title="Draft", status=Status.DRAFT, published_at=now - timedelta(hours=20))
    make_article(title="Scheduled", published_at=now + timedelta(hours=1))
    assert surroundings_of(tied_a)[-2:] == (first, tied_b)
    assert surroundings_of(tied_b)[-2:] == (tied_a, last)
    assert surroundings_of(first).previous is None
    assert surroundings_of(last).next is None


@pytest.mark.parametrize(
    "fields",
    [{"status": Status.DRAFT}, {"published_at": timezone.now() + timedelta(days=1)}],
    ids=["draft", "scheduled"],
)
def test_a_preview_has_related_items_but_no_previous_or_next(make_article, fields):
    make_article(title="Earlier", tags=["Trade"], published_at=timezone.now() - timedelta(days=1))
    make_article(title="Later", published_at=timezone.now() - timedelta(minutes=1))
    preview = make_article(title="Preview", tags=["Trade"], **fields)
    found = surroundings_of(preview)
    assert titles(found.related_articles) == ["Earlier"]
    assert (found.previous, found.next) == (None, None)


def test_an_untagged_article_has_no_related_items(make_article, make_headline):
    article = make_article()
    make_article(tags=["Trade"])
    make_headline(tags=["Trade"])
    found = surroundings_of(article)
    assert (found.related_articles, found.related_headlines) == ([], [])


def test_tags_come_in_the_order_the_article_was_given_them(make_article):
    article = make_article()
    for name in ["United States", "South Korea", "Automotive", "Batteries"]:
        article.tags.add(name)  # one at a time: add() takes a set
    assert [tag.name for tag in surroundings_of(article).tags] == [
        "United States",
        "South Korea",
        "Automotive",
        "Batteries",
    ]
