"""The shared page cache: what it stores, what it never stores, and that every change shows at once.

Each invalidation test first fills the cache for every affected page, then
changes content the way editors (or the admin's bulk actions) do, and reads
the pages again: the change is on every one of them.
"""

import socket
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from articles.admin import merge_tags
from articles.caching import content_state
from articles.models import Article, Headline, Status, Tag

FRONT = "/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def warm(client, *urls):
    """Request each page twice, so it is in the shared cache and served from there."""
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == 1, (url, [query["sql"] for query in queries.captured_queries])


@pytest.fixture
def story(make_article):
    tag = Tag.objects.create(name="Harbour", slug="harbour")
    return make_article(title="Harbour walls repaired", slug="harbour-walls", tags=[tag])


def test_a_cached_page_is_served_with_one_query_at_any_size(client, make_article, make_headline):
    for n in range(3):
        make_article(title=f"Story {n}")
    client.get(FRONT)
    with CaptureQueriesContext(connection) as small:
        client.get(FRONT)
    Article.objects.bulk_create(
        Article(
            title=f"Bulk {n}",
            slug=f"bulk-{n}",
            standfirst="S",
            body="<p>B</p>",
            status=Status.PUBLISHED,
            published_at=timezone.now() - timedelta(days=1),
        )
        for n in range(300)
    )
    client.get(FRONT)
    with CaptureQueriesContext(connection) as large:
        client.get(FRONT)

    assert len(small) == len(large) == 1


def test_reader_pages_carry_validators_and_cdn_cache_control(client, story):
    response = client.get(story.get_absolute_url())

    assert response.has_header("ETag")
    assert response.has_header("Last-Modified")
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "s-maxage=60", "stale-if-error=86400"} <= directives
    assert "private" not in directives


def test_conditional_requests_get_304_by_etag_and_by_date(client, story):
    first = client.get(story.get_absolute_url())

    by_etag = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(story.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    older = http_date(content_state().last_modified - 3600)
    stale = client.get(story.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=older)

    assert by_etag.status_code == 304
    assert by_etag["ETag"] == first["ETag"]
    assert "s-maxage=60" in by_etag["Cache-Control"]
    assert by_date.status_code == 304
    assert stale.status_code == 200


def test_last_modified_is_the_time_of_the_latest_change(client, story):
    before = timezone.now()
    story.title = "Harbour walls repaired at last"
    story.save()

    last_modified = content_state().last_modified

    assert before.timestamp() - 1 <= last_modified <= timezone.now().timestamp() + 1


def test_publishing_shows_on_every_affected_page_at_once(client, story, make_article):
    draft = make_article(title="Lighthouse reopens", status=Status.DRAFT, published_at=None)
    draft.tags.add(Tag.objects.get(slug="harbour"))
    tag_url = reverse("articles:tag-detail", args=["harbour"])
    feed_url = reverse("articles:articles-feed-rss")
    warm(client, FRONT, tag_url, feed_url)
    assert client.get(draft.get_absolute_url()).status_code == 404

    draft.status = Status.PUBLISHED
    draft.published_at = timezone.now() - timedelta(seconds=1)
    draft.save()

    for url in (FRONT, tag_url, feed_url, draft.get_absolute_url()):
        assert "Lighthouse reopens" in html(client, url), url


def test_editing_shows_on_every_affected_page_at_once(client, story):
    tag_url = reverse("articles:tag-detail", args=["harbour"])
    pages = [FRONT, story.get_absolute_url(), tag_url, reverse("articles:articles-feed-rss")]
    warm(client, *pages)

    story.title = "Harbour walls rebuilt in stone"
    story.save()

    for url in pages:
        page = html(client, url)
        assert "Harbour walls rebuilt in stone" in page, url
        assert "Harbour walls repaired" not in page, url


def test_unpublishing_removes_the_article_everywhere_at_once(client, story):
    tag_url = reverse("articles:tag-detail", args=["harbour"])
    warm(client, FRONT, story.get_absolute_url(), tag_url)

    story.status = Status.DRAFT
    story.save()

    assert client.get(story.get_absolute_url()).status_code == 404
    for url in (FRONT, tag_url):
        assert "Harbour walls repaired" not in html(client, url), url


def test_a_scheduled_article_appears_when_its_time_passes(client, story, make_article, monkeypatch):
    when = timezone.now() + timedelta(minutes=10)
    scheduled = make_article(title="Tide tables for the summer", published_at=when)
    make_article(title="Harvest festival programme", published_at=when + timedelta(hours=1))
    warm(client, FRONT)
    assert "Tide tables" not in html(client, FRONT)

    monkeypatch.setattr(timezone, "now", lambda: when + timedelta(seconds=1))

    assert "Tide tables for the summer" in html(client, FRONT)
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    # The version moved once and now waits for the next scheduled time: cached again, one read a hit.
    warm(client, FRONT)
    assert "Harvest festival" not in html(client, FRONT)

    monkeypatch.setattr(timezone, "now", lambda: when + timedelta(hours=1, seconds=1))

    assert "Harvest festival programme" in html(client, FRONT)


def test_a_breaking_banner_comes_down_when_it_expires(client, make_headline, monkeypatch):
    until = timezone.now() + timedelta(minutes=10)
    make_headline(text="Storm warning for the coast", is_breaking=True, breaking_until=until)
    warm(client, reverse("articles:tag-list"))
    assert "Storm warning" in html(client, reverse("articles:tag-list"))

    monkeypatch.setattr(timezone, "now", lambda: until + timedelta(seconds=1))

    assert "Storm warning" not in html(client, reverse("articles:tag-list"))
    warm(client, reverse("articles:tag-list"))  # nothing more scheduled: cached again, one read a hit


def test_reordering_headlines_shows_at_once(client, make_headline):
    first = make_headline(text="Ferry timetable changes", position=1)
    second = make_headline(text="Council meets tonight", position=2)
    warm(client, FRONT)
    page = html(client, FRONT)
    assert page.index("Ferry timetable") < page.index("Council meets")

    # As the admin's list_editable does it, or a bulk update would.
    Headline.objects.filter(pk=first.pk).update(position=3)
    Headline.objects.filter(pk=second.pk).update(position=0)

    page = html(client, FRONT)
    assert page.index("Council meets") < page.index("Ferry timetable")


def test_merging_tags_shows_on_every_affected_page_at_once(client, make_article):
    harbour = Tag.objects.create(name="Harbour", slug="harbour")
    port = Tag.objects.create(name="Port", slug="port")
    article = make_article(title="Cranes arrive at the quay", tags=[port])
    pages = [article.get_absolute_url(), reverse("articles:tag-detail", args=["harbour"])]
    warm(client, *pages, reverse("articles:tag-detail", args=["port"]), reverse("articles:tag-list"))
    assert "Cranes arrive" not in html(client, pages[1])

    merge_tags(harbour, Tag.objects.filter(pk__in=[harbour.pk, port.pk]))

    assert 'href="/tags/harbour/"' in html(client, pages[0])
    assert 'href="/tags/port/"' not in html(client, pages[0])
    assert "Cranes arrive at the quay" in html(client, pages[1])
    redirect = client.get(reverse("articles:tag-detail", args=["port"]))
    assert (redirect.status_code, redirect["Location"]) == (301, "/tags/harbour/")
    assert 'href="/tags/port/"' not in html(client, reverse("articles:tag-list"))


def test_a_deleted_article_disappears_at_once(client, story):
    warm(client, FRONT)

    Article.objects.filter(pk=story.pk).delete()

    assert "Harbour walls" not in html(client, FRONT)


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_user("editor", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_staff_previews_are_never_stored_or_shared(staff_client, client, make_article):
    draft = make_article(title="Embargoed budget leak", status=Status.DRAFT, published_at=None)

    preview = staff_client.get(draft.get_absolute_url())
    staff_client.logout()
    reader = client.get(draft.get_absolute_url())

    assert preview.status_code == 200
    assert "Embargoed budget leak" in preview.content.decode()
    assert "private" in preview["Cache-Control"] and "no-store" in preview["Cache-Control"]
    assert reader.status_code == 404


def test_staff_never_get_a_readers_cached_page_nor_fill_the_cache(staff_client, client, story):
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(FRONT)
        staff_client.get(FRONT)
    staff_client.logout()
    with CaptureQueriesContext(connection) as first_reader:
        client.get(FRONT)

    # Both staff requests ran the view; the reader's was not served from a staff render.
    assert len(queries) > 4
    assert len(first_reader) > 1


def test_signed_in_readers_are_not_served_from_or_stored_in_the_shared_cache(client, story):
    user = get_user_model().objects.create_user("reader")
    client.force_login(user)
    client.get(FRONT)
    with CaptureQueriesContext(connection) as queries:
        client.get(FRONT)

    assert len(queries) > 1


@override_settings(NEWSROOM_SITE_NAME="The Harbour Gazette")
def test_the_site_name_from_settings_is_part_of_the_page_version(client, story):
    assert "The Harbour Gazette" in html(client, FRONT)
    with override_settings(NEWSROOM_SITE_NAME="The Quay Courier"):
        assert "The Quay Courier" in html(client, FRONT)


def redis_is_running():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": "newsroom-test",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True},
    }
}


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_pages_are_shared_through_redis(client, story):
    from django_redis import get_redis_connection

    with override_settings(CACHES=REDIS):
        cache.clear()
        client.get(story.get_absolute_url())
        keys = get_redis_connection("default").keys("newsroom-test:*:page:*")
        with CaptureQueriesContext(connection) as queries:
            again = client.get(story.get_absolute_url())
        cache.clear()

    assert len(keys) == 1
    assert len(queries) == 1
    assert "Harbour walls repaired" in again.content.decode()


WORKER_AND_REDIS = REDIS | {
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsroom-test-pages"}
}


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_a_workers_own_copy_serves_hot_pages_and_is_never_stale(client, story):
    from django_redis import get_redis_connection

    with override_settings(CACHES=WORKER_AND_REDIS):
        cache.clear()
        client.get(story.get_absolute_url())
        cache.clear()  # Redis emptied: the worker's copy answers alone
        hot = client.get(story.get_absolute_url())
        redis_keys = get_redis_connection("default").keys("newsroom-test:*:page:*")
        story.title = "Harbour walls rebuilt"
        story.save()
        changed = client.get(story.get_absolute_url())
        caches["pages"].clear()
        cache.clear()

    assert hot.templates == [] and redis_keys == []  # served, not rendered, with Redis empty
    assert "Harbour walls repaired" in hot.content.decode()
    assert "Harbour walls rebuilt" in changed.content.decode()


REDIS_DOWN = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def test_a_redis_outage_serves_uncached_pages_that_still_change(client, story):
    with override_settings(CACHES=REDIS_DOWN):
        assert "Harbour walls repaired" in html(client, FRONT)
        story.title = "Harbour walls rebuilt"
        story.save()
        assert "Harbour walls rebuilt" in html(client, FRONT)


def test_a_page_served_from_the_cache_keeps_every_security_header(client, story):
    first = client.get(story.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        hit = client.get(story.get_absolute_url())

    assert len(queries) == 1
    assert hit.content == first.content
    headers = ["Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "ETag", "Cache-Control"]
    for header in headers:
        assert hit[header] == first[header], header


def test_a_cache_hit_answers_conditional_requests_with_304(client, story):
    first = client.get(story.get_absolute_url())

    response = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 304
    assert response["ETag"] == first["ETag"]
    assert "public" in response["Cache-Control"]


def test_the_health_check_bypasses_the_page_cache(client, db):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200
    assert len(queries) == 1
