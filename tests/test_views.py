import html
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import OperationalError, connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from articles import views
from articles.models import Correction, Status, Tag, TagRedirect


@pytest.fixture
def staff_client(client, db):
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_article", "view_headline"]))
    client.force_login(user)
    return client


def html_time(when):
    """How pages write a time in `<time datetime>`: whole seconds, UTC offset (the test time zone is UTC)."""
    return when.strftime("%Y-%m-%dT%H:%M:%S+0000")


@pytest.mark.parametrize(
    "when, shown",
    [
        (
            datetime(2026, 7, 5, 13, 5, tzinfo=UTC),
            '<time datetime="2026-07-05T14:05:00+0100">5 July 2026, 14:05 BST</time>',
        ),
        (
            datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            '<time datetime="2026-12-01T09:00:00+0000">1 December 2026, 09:00 GMT</time>',
        ),
    ],
)
def test_times_are_written_in_the_sites_time_zone_for_readers_and_machines(when, shown):
    with timezone.override(ZoneInfo("Europe/London")):
        assert Template("{% load reader %}{% time_element when %}").render(Context({"when": when})) == shown


def front(client):
    return client.get(reverse("articles:front-page")).content.decode()


def test_front_page_shows_lead_latest_rail_and_tags(client, make_article, make_headline):
    older = make_article(title="An older story", published_at=timezone.now() - timedelta(days=1))
    lead = make_article(title="The lead story", byline="Ada Reporter", tags=["Trade"])
    make_headline(text="Second in the rail", position=2, article=older)
    make_headline(text="First in the rail", position=1, url="https://example.com/elsewhere")
    html = front(client)
    lead_html = html[html.index('class="lead"') :]
    assert lead.title in lead_html.split("</article>")[0]
    assert lead.standfirst in html and "Ada Reporter" in html
    assert f'<time datetime="{html_time(lead.published_at)}"' in html
    assert older.title in html
    assert html.index("First in the rail") < html.index("Second in the rail")
    assert (
        '<a href="https://example.com/elsewhere" class="external" rel="noopener">First in the rail</a>'
        in html
    )
    assert f'<a href="{older.get_absolute_url()}">Second in the rail</a>' in html
    assert '<a href="/tags/trade/">Trade</a>' in html


def test_front_page_shows_the_whole_seed_rail_in_document_order(client, db):
    call_command("loaddata", "seed", stdout=io.StringIO())
    page = front(client)
    document = (settings.BASE_DIR / "fixtures" / "source" / "000_4972f22f92c2959a.txt").read_text()
    headlines = [line.strip() for line in document.split("\n\n\n", 1)[1].splitlines() if line.strip()]
    assert len(headlines) == 17
    positions = [page.index(html.escape(text, quote=False)) for text in headlines]
    assert positions == sorted(positions)


def test_headline_without_a_link_goes_to_its_own_page(client, make_headline, make_article):
    draft = make_article(status=Status.DRAFT, published_at=None)
    headline = make_headline(text="Points at a draft", article=draft)
    bare = make_headline(text="No link at all")
    html = front(client)
    assert f'<a href="{headline.get_absolute_url()}">Points at a draft</a>' in html
    assert f'<a href="{bare.get_absolute_url()}">No link at all</a>' in html
    assert draft.get_absolute_url() not in html


def test_headline_with_an_unsafe_url_never_links_out(client, make_headline):
    headline = make_headline(text="Sneaky", url="javascript:alert(1)")
    html = front(client)
    assert "javascript:" not in html
    assert headline.get_absolute_url() in html


def test_breaking_banner_shows_until_it_expires(client, make_headline, monkeypatch):
    until = timezone.now() + timedelta(minutes=30)
    make_headline(text="Storm closes the port", is_breaking=True, breaking_until=until)
    html = client.get(reverse("articles:tag-list")).content.decode()
    assert 'aria-label="Breaking news"' in html and "Storm closes the port" in html
    later = until + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert 'aria-label="Breaking news"' not in front(client)


def test_breaking_banner_shows_the_newest_three_however_many_are_flagged(client, make_headline):
    now = timezone.now()
    for n in range(5):
        make_headline(text=f"Alert number {n}", is_breaking=True, published_at=now - timedelta(minutes=n))
    banner = front(client).split('aria-label="Breaking news"')[1].split("</aside>")[0]
    assert [f"Alert number {n}" in banner for n in range(5)] == [True, True, True, False, False]


def test_breaking_banner_links_to_the_story_once_it_is_published(client, make_article, make_headline):
    story = make_article(title="The storm story")
    draft = make_article(title="Still a draft", status=Status.DRAFT)
    make_headline(text="Storm <b>now</b>", is_breaking=True, article=story)
    to_draft = make_headline(text="Port closed", is_breaking=True, article=draft)
    make_headline(text="Not breaking", article=story)
    make_headline(text="Unpublished alert", is_breaking=True, status=Status.DRAFT)
    banner = front(client).split('aria-label="Breaking news"')[1].split("</aside>")[0]
    assert f'<a href="{story.get_absolute_url()}">Storm &lt;b&gt;now&lt;/b&gt;</a>' in banner
    assert f'<a href="{to_draft.get_absolute_url()}">Port closed</a>' in banner
    assert "Not breaking" not in banner and "Unpublished alert" not in banner


def test_drafts_and_scheduled_items_never_reach_readers(client, make_article, make_headline):
    draft = make_article(title="Secret draft", status=Status.DRAFT, published_at=None, tags=["Trade"])
    scheduled = make_article(
        title="Tomorrow's story", published_at=timezone.now() + timedelta(days=1), tags=["Trade"]
    )
    make_headline(text="Draft headline", status=Status.DRAFT, published_at=None, tags=["Trade"])
    make_article(title="Visible story", tags=["Trade"])
    pages = [
        reverse("articles:front-page"),
        reverse("articles:headline-list"),
        reverse("articles:tag-detail", args=["trade"]),
        reverse("articles:archive-index"),
        reverse("articles:search") + "?q=story",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "Secret draft" not in html and "Tomorrow" not in html and "Draft headline" not in html, url
    assert "Visible story" in front(client)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404


def test_scheduled_article_appears_exactly_when_its_time_passes(client, make_article, monkeypatch):
    when = timezone.now() + timedelta(minutes=10)
    article = make_article(title="On the stroke of the hour", published_at=when)
    monkeypatch.setattr(timezone, "now", lambda: when - timedelta(seconds=1))
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.title not in front(client)
    monkeypatch.setattr(timezone, "now", lambda: when)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert article.title in front(client)
    assert article.title in client.get(reverse("articles:archive-index")).content.decode()


def test_staff_preview_a_draft_on_its_real_url(staff_client, make_article):
    draft = make_article(title="Work in progress", status=Status.DRAFT, published_at=None)
    response = staff_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Work in progress" in html and "Preview — not published" in html
    assert '<meta name="robots" content="noindex">' in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert not response.has_header("ETag")
    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_staff_preview_a_scheduled_headline(staff_client, make_headline):
    headline = make_headline(text="Coming at noon", published_at=timezone.now() + timedelta(hours=2))
    html = staff_client.get(headline.get_absolute_url()).content.decode()
    assert "Coming at noon" in html and "Preview — not published" in html
    assert Client().get(headline.get_absolute_url()).status_code == 404


def test_staff_without_view_permission_see_what_readers_see(client, make_article):
    client.force_login(User.objects.create_user("intern", password="pw", is_staff=True))
    draft = make_article(status=Status.DRAFT, published_at=None)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_article_page_shows_times_body_tags_corrections_and_neighbours(client, make_article):
    now = timezone.now()
    before = make_article(title="The day before", published_at=now - timedelta(days=1))
    article = make_article(
        title="Main story",
        body="<p>Body <strong>text</strong>.</p>",
        tags=["Trade", "Korea"],
        published_at=now - timedelta(hours=2),
    )
    after = make_article(title="The hour after", published_at=now - timedelta(hours=1))
    Correction.objects.create(article=article, text="The port is in Busan, not Seoul.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<h1 class="story-title">Main story</h1>' in html
    assert "<p>Body <strong>text</strong>.</p>" in html
    article.refresh_from_db()
    assert f'Published <time datetime="{html_time(article.published_at)}"' in html
    assert f'Updated <time datetime="{html_time(article.updated_at)}"' in html
    assert '<a href="/tags/trade/" rel="tag">Trade</a>' in html
    assert "Correction</strong>" in html and "The port is in Busan, not Seoul." in html
    assert f'rel="prev" href="{before.get_absolute_url()}"' in html
    assert f'rel="next" href="{after.get_absolute_url()}"' in html


def test_related_content_orders_by_shared_tags(client, make_article, make_headline):
    article = make_article(tags=["Trade", "Korea", "Visas"])
    one = make_article(title="Shares one tag", tags=["Trade"])
    three = make_article(title="Shares three tags", tags=["Trade", "Korea", "Visas"])
    make_article(title="Shares nothing", tags=["Weather"])
    make_headline(text="Related headline", tags=["Korea"])
    html = client.get(article.get_absolute_url()).content.decode()
    related = html[html.index('id="related-heading"') :]
    assert related.index(three.title) < related.index(one.title)
    assert "Shares nothing" not in related
    assert "Related headline" in related


def test_headlines_page_is_newest_first_and_paginated(client, make_headline):
    now = timezone.now()
    for n in range(55):
        make_headline(text=f"Item {n:02d}", published_at=now - timedelta(minutes=n + 1))
    first = client.get(reverse("articles:headline-list")).content.decode()
    assert first.index("Item 00") < first.index("Item 01")
    assert "Item 54" not in first and "Page 1 of 2" in first
    second = client.get(reverse("articles:headline-list") + "?page=2").content.decode()
    assert "Item 54" in second and "Item 00" not in second
    assert client.get(reverse("articles:headline-list") + "?page=999").status_code == 404


def test_tag_page_lists_articles_and_headlines_and_paginates(client, make_article, make_headline):
    for n in range(25):
        make_article(
            title=f"Trade story {n:02d}", tags=["Trade"], published_at=timezone.now() - timedelta(hours=n + 1)
        )
    make_headline(text="Trade headline", tags=["Trade"])
    make_article(title="Weather story", tags=["Weather"])
    response = client.get(reverse("articles:tag-detail", args=["trade"]))
    html = response.content.decode()
    assert "Trade story 00" in html and "Trade headline" in html and "Weather story" not in html
    assert "Trade story 24" not in html
    assert (
        "Trade story 24"
        in client.get(reverse("articles:tag-detail", args=["trade"]) + "?page=2").content.decode()
    )
    assert 'href="/tags/trade/feed.rss"' in html


def test_tag_pages_go_newer_and_older_without_counting(client, make_article):
    for n in range(25):
        make_article(
            title=f"Trade story {n:02d}", tags=["Trade"], published_at=timezone.now() - timedelta(hours=n + 1)
        )
    url = reverse("articles:tag-detail", args=["trade"])

    with CaptureQueriesContext(connection) as queries:
        first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert not [query for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]
    assert "Older →" in first and "Page 1<" in first and "Newer" not in first.split("Article pages")[1]
    assert "Trade story 24" in second and "← Newer" in second and "Older →" not in second
    assert "Trade story 00" in client.get(url, {"page": "junk"}).content.decode()
    for outside in [3, 0, 10**30]:
        assert client.get(url, {"page": outside}).status_code == 404


def test_unknown_tag_is_404_and_merged_tag_redirects(client, make_article):
    make_article(tags=["Trade"])
    TagRedirect.objects.create(old_slug="commerce", tag=Tag.objects.get(slug="trade"))
    response = client.get(reverse("articles:tag-detail", args=["commerce"]))
    assert response.status_code == 301
    assert response["Location"] == "/tags/trade/"
    assert client.get(reverse("articles:tag-detail", args=["nothing"])).status_code == 404


def test_tag_index_counts_published_items(client, make_article, make_headline):
    make_article(tags=["Trade"])
    make_article(tags=["Trade"])
    make_article(tags=["Trade"], status=Status.DRAFT, published_at=None)
    make_headline(tags=["Trade"])
    html = client.get(reverse("articles:tag-list")).content.decode()
    assert re.search(r"Trade</a>\s*<span class=\"meta\">2 articles, 1 headline</span>", html)


def test_archives_by_year_and_month(client, make_article):
    make_article(title="Spring story", published_at=timezone.make_aware(timezone.datetime(2024, 4, 2, 9)))
    make_article(title="Autumn story", published_at=timezone.make_aware(timezone.datetime(2024, 10, 5, 9)))
    year = client.get(reverse("articles:archive-year", args=[2024])).content.decode()
    assert 'href="/archive/2024/4/"' in year and 'href="/archive/2024/10/"' in year
    month = client.get("/archive/2024/04/").content.decode()
    assert "Spring story" in month and "Autumn story" not in month
    assert client.get(reverse("articles:archive-year", args=[1999])).status_code == 404


def test_every_page_has_search_metadata_and_no_inline_code(client, make_article):
    article = make_article(tags=["Trade"])
    for url in [
        reverse("articles:front-page"),
        article.get_absolute_url(),
        reverse("articles:headline-list"),
        reverse("articles:tag-detail", args=["trade"]),
        reverse("articles:search") + "?q=article",
        "/no-such-page/",
    ]:
        html = client.get(url).content.decode()
        assert re.search(
            r'<form class="search-form" role="search"[^>]* action="/search/" method="get">', html
        ), url
        assert 'name="q"' in html and '<html lang="en">' in html
        for tag in [
            "<title>",
            '<meta name="description"',
            '<link rel="canonical"',
            'property="og:title"',
            'name="twitter:card"',
            'rel="alternate" type="application/rss+xml"',
        ]:
            assert tag in html, (url, tag)
        assert " style=" not in html
        assert re.findall(r"<script(?![^>]*application/ld\+json)", html) == [], url


def test_pages_answer_conditional_requests_with_304(client, make_article):
    article = make_article()
    first = client.get(article.get_absolute_url())
    etag = first["ETag"]
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 304
    article.title = "A corrected title"
    article.save()
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag


def test_etag_changes_when_a_scheduled_item_goes_live(client, make_article, monkeypatch):
    when = timezone.now() + timedelta(minutes=5)
    make_article(published_at=when)
    etag = client.get("/")["ETag"]
    monkeypatch.setattr(timezone, "now", lambda: when + timedelta(seconds=1))
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_404_page_is_in_the_site_design(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "find that page" in response.content.decode()
    assert 'class="masthead"' in response.content.decode()


def test_500_page_renders_without_a_request_or_database():
    html = render_to_string("500.html")
    assert "Something went wrong" in html and "/static/css/site.css" in html


def test_healthz_answers_200_with_a_database_and_503_without(client, db, monkeypatch):
    assert client.get("/healthz").status_code == 200

    def unreachable():
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(views.connection, "cursor", unreachable)
        response = client.get("/healthz")
    assert response.status_code == 503


def test_front_page_of_an_empty_site(client, db):
    response = client.get(reverse("articles:front-page"))
    assert response.status_code == 200
    assert "Nothing has been published yet." in response.content.decode()


def test_favicon_ico_leads_to_the_sites_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith("/static/img/favicon") and response["Location"].endswith(".svg")


def test_links_follow_the_script_prefix_the_site_is_served_under(client, make_article):
    """Reversed URLs are remembered per script prefix: a site under /news/ links within /news/."""
    article = make_article(tags=["Trade"])
    path = article.get_absolute_url()
    plain = client.get(path).content.decode()
    # As the WSGI handler does for a request under SCRIPT_NAME (the test client does not).
    set_script_prefix("/news/")
    try:
        prefixed = client.get(path, SCRIPT_NAME="/news").content.decode()
    finally:
        set_script_prefix("/")
    assert 'href="/tags/trade/" rel="tag"' in plain
    assert 'href="/news/tags/trade/" rel="tag"' in prefixed
    assert '<a class="site-name" href="/news/">' in prefixed
    assert '<a class="site-name" href="/">' in client.get("/").content.decode()
