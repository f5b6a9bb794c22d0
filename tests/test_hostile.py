"""Hostile and broken input: stored XSS, Unicode tricks, paths and sizes, search syntax, Host, CSRF,
brute force, unreleased items and where scripts come from.

Content goes in the three ways staff put it in (the admin, `build_fixture`, a hand-made fixture
through `loaddata`); then every reader page, feed and sitemap is fetched and scanned for anything a
browser or feed reader would execute. tests/browser/test_xss.py checks the same in Chromium.
"""

import json
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from admin_forms import submit_admin_form
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.base import DeserializationError
from django.test import Client
from django.utils import timezone

from articles.models import Article, Headline, Status, Tag

BASE_DIR = Path(settings.BASE_DIR)

XSS = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" &#x09;java&#x0A;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '"><script>alert(1)</script>',
    "'\"></title></textarea></script><script>alert(1)</script>",
    "<details open ontoggle=alert(1)>",
    '<a href="vbscript:msgbox(1)">x</a>',
]
BAD_URLS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>x</script>",
]

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcdoc",
}
FOREIGN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "form"}


def dangerous_url(value):
    """Whether a browser would run `value` (already entity-decoded) as a script or a document."""
    squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:"))


def foreign(url):
    """Whether `url` points at another origin than the test server's."""
    return bool(re.match(r"(?i)\s*(https?:)?//", url)) and not re.match(
        r"(?i)\s*(https?:)?//testserver/", url
    )


class ExecutableMarkup(HTMLParser):
    """Collects whatever in an HTML document could run: foreign scripts, handlers, script URLs."""

    def __init__(self, allow_forms=True):
        super().__init__(convert_charrefs=True)
        self.found, self.json_ld, self.in_json = [], [], False
        self.allow_forms = allow_forms

    def handle_starttag(self, tag, attrs):
        attrs = [(name, value or "") for name, value in attrs]
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("type") == "application/ld+json" and "src" not in attributes:
                self.in_json = True
                self.json_ld.append("")
            elif not attributes.get("src", "").startswith("/static/"):
                self.found.append(f"<script {attributes}>")
        if tag in FOREIGN_TAGS and not (tag == "form" and self.allow_forms):
            self.found.append(f"<{tag}>")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            elif name in URL_ATTRIBUTES and dangerous_url(value):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif name == "style" and ("javascript:" in value.lower() or "expression(" in value.lower()):
                self.found.append(f"<{tag} style={value!r}>")
            elif name == "href" and tag == "link" and foreign(value):
                self.found.append(f"<link href={value!r}> from another origin")

    def handle_data(self, data):
        if self.in_json:
            self.json_ld[-1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_json = False


def executable_markup(html, allow_forms=True):
    parser = ExecutableMarkup(allow_forms=allow_forms)
    parser.feed(html)
    parser.close()
    found = list(parser.found)
    for data in parser.json_ld:
        if "<" in data:
            found.append(f"raw '<' in JSON-LD: {data[:200]}")
        try:
            json.loads(data)  # must stay valid JSON whatever the text held
        except ValueError as error:
            found.append(f"JSON-LD broken ({error}): {data[:200]}")
    return found


def feed_markup(xml):
    """Executable markup in a feed: the HTML its readers render (descriptions, summaries, content)."""
    root = ET.fromstring(xml)
    found = []
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        html_typed = name in {"description", "summary", "content"} or element.get("type") in {"html", "xhtml"}
        if html_typed and element.text:
            found += [f"{name}: {item}" for item in executable_markup(element.text, allow_forms=False)]
        for attribute in ("href", "url"):
            if element.get(attribute) and dangerous_url(element.get(attribute)):
                found.append(f"{name} {attribute}={element.get(attribute)!r}")
        if name in {"link", "guid", "loc", "id"} and element.text and dangerous_url(element.text):
            found.append(f"{name}: {element.text!r}")
    return found


def reader_urls():
    """Every kind of page, feed and sitemap a reader (or crawler) can fetch, for the content there is now."""
    urls = ["/", "/headlines/", "/tags/", "/archive/", "/robots.txt", "/search/?q=alert"]
    urls += ["/search/?q=" + payload for payload in XSS[:4]]
    feeds = ["/feeds/articles.rss", "/feeds/articles.atom", "/feeds/headlines.rss"]
    sitemaps = ["/sitemap.xml", "/news-sitemap.xml"]
    for article in Article.objects.published():
        urls.append(article.get_absolute_url())
    for headline in Headline.objects.published():
        urls.append(headline.get_absolute_url())
    for tag in Tag.objects.all():
        urls.append(tag.get_absolute_url())
        feeds += [f"/tags/{tag.slug}/feed.rss", f"/tags/{tag.slug}/feed.atom"]
    for month in Article.objects.published().dates("published_at", "month"):
        urls += [f"/archive/{month.year}/", f"/archive/{month.year}/{month.month:02d}/"]
    return urls, feeds, sitemaps


def assert_nothing_executes(client):
    """Fetch every page, feed and sitemap: nothing in them may run."""
    urls, feeds, sitemaps = reader_urls()
    problems = {}
    for url in urls:
        response = client.get(url)
        if url == "/archive/" and not Article.objects.published().exists():
            assert response.status_code == 404
            continue
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            problems[url] = executable_markup(response.content.decode())
            for page in (2, 3):
                more = client.get(url, {"page": page}) if "?" not in url else None
                if more is not None and more.status_code == 200 and more.content != response.content:
                    problems[f"{url}?page={page}"] = executable_markup(more.content.decode())
    for url in feeds + sitemaps:
        response = client.get(url)
        assert response.status_code == 200, url
        problems[url] = feed_markup(response.content)
    problems = {url: found for url, found in problems.items() if found}
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-test-password")
    client.force_login(user)
    return client


def admin_add(client, model, **fields):
    """POST the admin's add form for `model` with `fields`; the response (302 when saved)."""
    return submit_admin_form(client, f"/admin/articles/{model}/add/", **fields)


def form_errors(response):
    if response.context is None or "adminform" not in response.context:
        return response.status_code
    return response.context["adminform"].form.errors


def write_document(folder, name, body, headlines, published_at="2025-09-19T09:00:00Z"):
    document = folder / f"{name}.txt"
    document.write_text("\n\n".join(body) + "\n\n\n" + "\n".join(headlines) + "\n", encoding="utf-8")
    (folder / f"{name}.meta.toml").write_text(f"published_at = {published_at}\n", encoding="utf-8")
    return document


def build_fixture(*args):
    out, err = StringIO(), StringIO()
    call_command("build_fixture", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


def hand_made_fixture(path, rows):
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def stamp(when):
    return when.isoformat().replace("+00:00", "Z")


def article_row(slug, when=None, **fields):
    when = stamp(when or timezone.now() - timedelta(hours=2))
    return {
        "model": "articles.article",
        "fields": {
            "title": "A title",
            "slug": slug,
            "standfirst": "A summary.",
            "body": "<p>Body.</p>",
            "byline": "",
            "status": "published",
            "published_at": when,
            "created_at": when,
            "updated_at": when,
        }
        | fields,
    }


def headline_row(slug, when=None, **fields):
    when = stamp(when or timezone.now() - timedelta(hours=2))
    return {
        "model": "articles.headline",
        "fields": {
            "text": "A headline",
            "slug": slug,
            "article": None,
            "url": "",
            "position": 0,
            "is_breaking": False,
            "breaking_until": None,
            "status": "published",
            "published_at": when,
            "created_at": when,
            "updated_at": when,
        }
        | fields,
    }


# Stored XSS ---------------------------------------------------------------------------------------


def test_the_scanner_sees_what_would_execute():
    """The check the XSS tests rely on flags each kind of payload when it is left raw."""
    for payload in XSS:
        if payload.startswith("'-") or "title=" in payload:
            continue
        assert executable_markup(f"<p>{payload}</p>") or "noscript" in payload, payload
    assert executable_markup('<script type="application/ld+json">{"a": "</script>"}</script>') != []
    assert executable_markup('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><a href="/x">x</a>') == []


@pytest.mark.django_db
def test_xss_through_the_admin_executes_nowhere(editor):
    for n, payload in enumerate(XSS):
        response = admin_add(
            editor,
            "article",
            title=payload[:255],
            slug=f"xss-admin-{n}",
            standfirst=payload,
            body=f"<p>Text {n}</p>{payload}",
            byline=payload[:200],
            status=Status.PUBLISHED,
            tags=[f"xss {n} {payload}"[:100]],
        )
        assert response.status_code == 302, (payload, form_errors(response))
        response = admin_add(
            editor, "headline", text=payload, slug=f"xss-admin-headline-{n}", status=Status.PUBLISHED
        )
        assert response.status_code == 302, (payload, form_errors(response))
    editor.logout()

    assert_nothing_executes(editor)


@pytest.mark.django_db
@pytest.mark.parametrize("url", BAD_URLS)
def test_the_admin_refuses_a_script_url_for_a_headline(editor, url):
    response = admin_add(editor, "headline", text="Linked", slug="linked", status=Status.PUBLISHED, url=url)

    assert response.status_code == 200
    assert "url" in form_errors(response)
    assert not Headline.objects.filter(slug="linked").exists()


@pytest.mark.django_db
def test_xss_through_a_hand_made_fixture_executes_nowhere(client, tmp_path):
    rows = [
        {
            "model": "articles.tag",
            "fields": {"name": "<script>alert(1)</script>", "slug": "xss", "description": XSS[2]},
        }
    ]
    for n, payload in enumerate(XSS):
        rows.append(
            article_row(
                f"xss-fixture-{n}",
                title=payload[:255],
                standfirst=payload,
                body=payload,
                byline=payload[:200],
            )
        )
        rows.append(
            {
                "model": "articles.taggedarticle",
                "fields": {"content_object": [f"xss-fixture-{n}"], "tag": ["xss"]},
            }
        )
        rows.append(headline_row(f"xss-fixture-headline-{n}", text=payload, position=n))

    call_command("loaddata", hand_made_fixture(tmp_path / "xss.json", rows), stdout=StringIO())

    assert Article.objects.count() == len(XSS)
    assert_nothing_executes(client)


def save_corpus(make_article, make_headline):
    """Store every payload through `save()` as an article's text and tag and as a headline."""
    for n, payload in enumerate(XSS):
        make_article(
            title=payload[:255],
            slug=f"saved-{n}",
            standfirst=payload,
            body=payload,
            tags=[f"tag {n} {payload}"[:100]],
        )
        make_headline(text=payload, slug=f"saved-headline-{n}")


@pytest.mark.django_db
def test_xss_saved_in_code_executes_nowhere(client, make_article, make_headline):
    save_corpus(make_article, make_headline)

    assert_nothing_executes(client)


@pytest.mark.django_db
@pytest.mark.parametrize("url", BAD_URLS)
def test_a_script_url_in_a_fixture_headline_is_refused_or_never_linked(client, tmp_path, url):
    fixture = hand_made_fixture(tmp_path / "link.json", [headline_row("linked", url=url, text="Linked")])
    try:
        call_command("loaddata", fixture, stdout=StringIO())
    except CommandError as error:
        assert "url" in str(error).lower()
        return
    assert_nothing_executes(client)


@pytest.mark.django_db
def test_xss_through_build_fixture_executes_nowhere(client, tmp_path):
    body = [f"Paragraph {n} says {payload} and goes on." for n, payload in enumerate(XSS)]
    headlines = [f"Headline {n}: {payload}" for n, payload in enumerate(XSS)]
    document = write_document(
        tmp_path, "xss", [XSS[0] + " is the lead sentence of this story.", *body], headlines
    )
    fixture = tmp_path / "xss.json"

    build_fixture(document, "--output", fixture, "--published-at", stamp(timezone.now() - timedelta(hours=1)))
    call_command("loaddata", fixture, stdout=StringIO())

    assert Article.objects.count() == 1
    assert Headline.objects.count() == len(XSS)
    assert_nothing_executes(client)


# Unicode ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nfc_and_nfd_spellings_make_one_tag(editor):
    nfc, nfd = "Économie", unicodedata.normalize("NFD", "Économie")
    assert nfc != nfd
    for n, name in enumerate([nfc, nfd]):
        response = admin_add(
            editor,
            "article",
            title=f"Story {n}",
            slug=f"story-{n}",
            standfirst="S.",
            body="<p>B.</p>",
            tags=[name],
        )
        assert response.status_code == 302, form_errors(response)

    assert Tag.objects.count() == 1
    tag = Tag.objects.get()
    assert tag.name == nfc
    assert editor.get(tag.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_the_tag_desk_applies_the_same_text_rule(editor):
    nfd = unicodedata.normalize("NFD", "Économie")
    response = admin_add(editor, "tag", name=f"{nfd}\u200b", slug="economie")
    assert response.status_code == 302, form_errors(response)
    assert Tag.objects.get().name == "Économie"

    response = admin_add(editor, "tag", name="Bad\x1bname", slug="bad-name")
    assert response.status_code == 200
    assert "Control character U+001B" in str(form_errors(response)["name"])
    response = admin_add(editor, "tag", name="ÉCONOMIE", slug="economie-2")
    assert "name" in form_errors(response) or "__all__" in form_errors(response)
    assert Tag.objects.count() == 1


@pytest.mark.django_db
def test_titles_are_stored_in_nfc(editor):
    response = admin_add(
        editor,
        "article",
        title=unicodedata.normalize("NFD", "Café économie"),
        slug="cafe",
        standfirst="S.",
        body="<p>B.</p>",
    )
    assert response.status_code == 302, form_errors(response)
    assert Article.objects.get(slug="cafe").title == "Café économie"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hidden",
    [
        pytest.param("\u202e", id="rtl-override"),
        pytest.param("\u200b", id="zero-width-space"),
        pytest.param("\u2066", id="isolate"),
        pytest.param("\ufeff", id="bom"),
        pytest.param("\x00", id="nul"),
        pytest.param("\x1b", id="escape"),
    ],
)
def test_hidden_characters_in_a_title_or_tag_are_removed_or_refused(editor, hidden):
    response = admin_add(
        editor,
        "article",
        title=f"Budget{hidden} vote",
        slug="budget",
        standfirst="S.",
        body="<p>B.</p>",
        tags=[f"Tax{hidden}es"],
    )

    if response.status_code == 200:
        errors = form_errors(response)
        assert errors, "refused without saying why"
        assert not Article.objects.filter(slug="budget").exists()
    else:
        article = Article.objects.get(slug="budget")
        assert hidden not in article.title
        assert all(hidden not in tag.name for tag in Tag.objects.all())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["経済", "الاقتصاد", "Économie", "👩‍👩‍👧 Families", "🚀", "Ελλάδα", "Москва", "한국 경제"],
)
def test_every_tag_is_reachable_by_url(editor, name):
    response = admin_add(
        editor,
        "article",
        title=f"About {name}",
        slug="about",
        standfirst="S.",
        body="<p>B.</p>",
        tags=[name],
        status=Status.PUBLISHED,
    )
    assert response.status_code == 302, form_errors(response)
    editor.logout()

    tag = Tag.objects.get()
    assert re.fullmatch(r"[-a-zA-Z0-9_]+", tag.slug), tag.slug
    page = editor.get(tag.get_absolute_url())
    assert page.status_code == 200
    assert name in page.content.decode()
    assert editor.get("/articles/about/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("title", ["経済の見通し", "توقعات الاقتصاد", "👩‍👩‍👧", "Ὀδυσσεύς"])
def test_articles_with_non_latin_titles_are_reachable(editor, title):
    fields = {"title": title, "standfirst": "S.", "body": "<p>B.</p>", "status": Status.PUBLISHED}
    response = admin_add(editor, "article", slug="", **fields)
    if response.status_code == 200:
        # The slug is required and ASCII: the form says so rather than storing an unreachable article.
        assert "slug" in form_errors(response)
        response = admin_add(editor, "article", slug="outlook", **fields)
    assert response.status_code == 302, form_errors(response)
    editor.logout()
    article = Article.objects.get()
    page = editor.get(article.get_absolute_url())
    assert page.status_code == 200
    assert title in page.content.decode()


@pytest.mark.django_db
def test_a_non_ascii_slug_is_refused_by_the_admin(editor):
    response = admin_add(editor, "article", title="T", slug="経済", standfirst="S.", body="<p>B.</p>")
    assert response.status_code == 200
    assert "slug" in form_errors(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "経済"),
        ("slug", "../x"),
        ("title", "NUL\x00byte"),
        ("byline", "Esc\x1bape"),
        ("status", "live"),
    ],
)
def test_loaddata_refuses_rows_readers_could_not_reach_with_a_clear_message(tmp_path, field, value):
    bad = article_row("bad")
    bad["fields"][field] = value
    fixture = hand_made_fixture(tmp_path / "bad.json", [article_row("fine"), bad])

    with pytest.raises(CommandError) as error:
        call_command("loaddata", fixture, stdout=StringIO())

    assert field in str(error.value)
    assert "\n" not in str(error.value)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_loaddata_refuses_a_tag_slug_readers_could_not_reach(tmp_path):
    rows = [{"model": "articles.tag", "fields": {"name": "Économie", "slug": "économie", "description": ""}}]
    with pytest.raises(CommandError) as error:
        call_command("loaddata", hand_made_fixture(tmp_path / "tag.json", rows), stdout=StringIO())
    assert "tag 'économie': slug" in str(error.value)
    assert not Tag.objects.exists()


@pytest.mark.django_db
def test_loaddata_stores_text_in_nfc_without_invisible_characters(client, tmp_path):
    rows = [
        article_row(
            "cafe", title=unicodedata.normalize("NFD", "Café") + " \u202egnirts\u202c \u200bnews\ufeff"
        ),
        {"model": "articles.tag", "fields": {"name": "Ta\u200bxes", "slug": "taxes", "description": ""}},
    ]
    call_command("loaddata", hand_made_fixture(tmp_path / "nfd.json", rows), stdout=StringIO())
    assert Article.objects.get().title == "Café gnirts news"
    assert Tag.objects.get().name == "Taxes"


@pytest.mark.django_db
def test_a_fixture_with_a_bom_is_loaded_or_refused_with_a_clear_message(tmp_path):
    fixture = tmp_path / "bom.json"
    fixture.write_bytes(b"\xef\xbb\xbf" + json.dumps([article_row("bom")]).encode())
    try:
        call_command("loaddata", fixture, stdout=StringIO())
    except DeserializationError as error:
        from articles.management.commands.loaddata import one_line

        # What `manage.py loaddata` prints: Django's own message is empty, the reason is in the chain.
        assert "BOM" in one_line(error)
        assert "\n" not in one_line(error)
        assert not Article.objects.exists()
    else:
        assert Article.objects.get().slug == "bom"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Body with a NUL\x00 byte.", "NUL"),
        ("Body with an override \u202e here.", "U+202E"),
        ("Body with a zero\u200bwidth space.", "U+200B"),
    ],
)
def test_build_fixture_refuses_hidden_characters_with_a_clear_message(tmp_path, text, message):
    document = write_document(
        tmp_path, "doc", ["A lead sentence that is long enough to make a title.", text], ["A headline"]
    )
    with pytest.raises(CommandError) as error:
        build_fixture(document, "--output", tmp_path / "out.json")
    assert message in str(error.value)


def test_build_fixture_strips_a_bom_and_normalises_to_nfc(tmp_path):
    document = write_document(
        tmp_path,
        "doc",
        [unicodedata.normalize("NFD", "Économie: a lead sentence long enough to title it.")],
        ["Café"],
    )
    document.write_bytes(b"\xef\xbb\xbf" + document.read_bytes())
    build_fixture(document, "--output", tmp_path / "out.json")
    text = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert "\ufeff" not in text
    assert unicodedata.normalize("NFC", text) == text


# Paths and sizes ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/articles/", "/headlines/", "/tags/"])
@pytest.mark.parametrize(
    "slug",
    [
        "../x",
        "%2e%2e/",
        "..%2fx",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "a" * 5000,
        "x%00y",
        "%C0%AE%C0%AE",
        "..;/x",
    ],
    ids=[
        "dotdot",
        "encoded-dotdot",
        "encoded-slash",
        "traversal",
        "5000-chars",
        "nul",
        "overlong-utf8",
        "semicolon",
    ],
)
def test_hostile_slugs_are_not_found(client, make_article, prefix, slug):
    make_article(slug="x")
    response = client.get(prefix + slug + "/")
    assert response.status_code == 404
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_a_10000_character_search_is_a_normal_page(client, make_article):
    make_article(title="Budget vote")
    response = client.get("/search/", {"q": "budget " * 1500})
    assert response.status_code == 200
    assert len(response.content) < 200_000


@pytest.mark.django_db
def test_an_oversized_admin_post_is_refused_with_400(editor):
    response = admin_add(
        editor, "article", title="Huge", slug="huge", standfirst="S.", body="<p>" + "x" * 3_000_000 + "</p>"
    )
    assert response.status_code == 400
    assert not Article.objects.filter(slug="huge").exists()


def test_build_fixture_refuses_a_symlinked_document(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = write_document(
        outside, "secret", ["A secret lead sentence that is long enough."], ["A headline"]
    )
    inside = tmp_path / "docs"
    inside.mkdir()
    (inside / "doc.txt").symlink_to(secret)
    (inside / "doc.meta.toml").write_text("published_at = 2025-09-19T09:00:00Z\n")

    with pytest.raises(CommandError) as error:
        build_fixture(inside / "doc.txt", "--output", tmp_path / "out.json")

    assert "symbolic link" in str(error.value)
    assert not (tmp_path / "out.json").exists()


def test_build_fixture_refuses_a_symlinked_metadata_file(tmp_path):
    (tmp_path / "elsewhere.toml").write_text("published_at = 2025-09-19T09:00:00Z\n")
    document = write_document(
        tmp_path, "doc", ["A lead sentence that is long enough to title."], ["A headline"]
    )
    metadata = tmp_path / "doc.meta.toml"
    metadata.unlink()
    metadata.symlink_to(tmp_path / "elsewhere.toml")

    with pytest.raises(CommandError) as error:
        build_fixture(document, "--output", tmp_path / "out.json")

    assert "symbolic link" in str(error.value)


def test_build_fixture_refuses_a_document_over_its_size_limit(tmp_path):
    from articles import importing

    paragraph = "A long enough sentence about the budget vote. " * 50
    count = importing.MAX_DOCUMENT_BYTES // len(paragraph) + 2
    document = write_document(tmp_path, "big", [paragraph] * count, ["A headline"])
    assert document.stat().st_size > importing.MAX_DOCUMENT_BYTES

    with pytest.raises(CommandError) as error:
        build_fixture(document, "--output", tmp_path / "out.json")

    assert "limit" in str(error.value)


def test_build_fixture_refuses_a_device_or_a_directory(tmp_path):
    for path in (Path("/dev/zero"), tmp_path):
        with pytest.raises(CommandError):
            build_fixture(path, "--output", tmp_path / "out.json")


# Search syntax ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        'a"b',
        "AND OR (",
        "(",
        ")",
        "*",
        "a*",
        "NEAR(",
        "NEAR(a b, 2)",
        "title:x",
        "-x",
        "^x",
        "a OR",
        "NOT",
        "'",
        "\\",
        "%",
        "_",
        "&",
        "|",
        "!",
        ":*",
        "<->",
        "a & b",
        "{}",
        "[]",
        "\x00",
        "'; DROP TABLE x; --",
        "🚀",
        "経済",
        "\u202e",
        " ",
        "",
    ],
)
def test_search_syntax_gives_a_normal_page(client, make_article, make_headline, query):
    make_article(title="Budget AND the vote", standfirst="OR NEAR the end")
    make_headline(text="NEAR( a headline")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_search_quotes_operators_as_words(client, make_article):
    make_article(title="Budget vote passes", slug="budget")
    response = client.get("/search/", {"q": 'budget"(*'})
    assert response.status_code == 200
    assert "/articles/budget/" in response.content.decode()


# Host header, CSRF and brute force ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host", ["evil.example.com", "127.0.0.1.evil.example.com", "localhost:80@evil.example.com"]
)
def test_a_foreign_host_is_refused_with_400(client, host):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_admin_post_without_a_csrf_token_is_refused_with_403(django_user_model, make_article):
    user = django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-test-password")
    article = make_article()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        f"/admin/articles/article/{article.pk}/change/", {"title": "Defaced", "_save": "Save"}
    )

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title != "Defaced"


@pytest.mark.django_db
def test_a_login_post_without_a_csrf_token_is_refused_with_403(django_user_model):
    django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-test-password")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "desk", "password": "a-long-test-password"})
    assert response.status_code == 403


def failed_login(client, **headers):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "desk", "password": "wrong"}, **headers
    ).status_code


@pytest.mark.django_db
def test_the_fifth_failed_login_is_refused_until_the_cool_off(django_user_model, settings):
    django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-test-password")
    attacker, colleague = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="198.51.100.7")

    statuses = [failed_login(attacker) for _ in range(5)]

    assert statuses == [200, 200, 200, 200, 429]
    assert failed_login(attacker) == 429
    right = attacker.post("/admin/login/", {"username": "desk", "password": "a-long-test-password"})
    assert right.status_code == 429, "a locked-out client must not get in even with the right password"
    assert failed_login(colleague) == 200
    ok = colleague.post(
        "/admin/login/?next=/admin/", {"username": "desk", "password": "a-long-test-password"}
    )
    assert ok.status_code == 302

    from axes.models import AccessAttempt

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert failed_login(attacker) == 200


@pytest.mark.django_db
def test_behind_a_proxy_clients_are_told_apart(django_user_model, settings):
    settings.NEWSROOM_TRUSTED_PROXY_COUNT = 1
    django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-test-password")
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    attacker = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    # A client that forges the header still gets the address the proxy appended.
    forger = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    colleague = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert [failed_login(attacker) for _ in range(5)][-1] == 429
    assert failed_login(forger) == 429
    assert failed_login(colleague) == 200


# Unreleased items ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_drafts_scheduled_and_unpublished_items_are_unreachable_by_every_route(
    client, make_article, make_headline, django_user_model
):
    now = timezone.now()
    visible = make_article(title="Visible story", slug="visible", tags=["Economy"])
    hidden = {
        "draft": make_article(
            title="Zqxdraft story",
            slug="zqx-draft",
            status=Status.DRAFT,
            published_at=None,
            tags=["Economy", "Zqxembargo"],
        ),
        "scheduled": make_article(
            title="Zqxscheduled story",
            slug="zqx-scheduled",
            published_at=now + timedelta(days=1),
            tags=["Economy"],
        ),
        "unpublished": make_article(
            title="Zqxunpublished story",
            slug="zqx-unpublished",
            status=Status.DRAFT,
            published_at=now - timedelta(days=3),
            tags=["Economy"],
        ),
    }
    make_headline(text="Zqxdraft headline", slug="zqx-draft-headline", status=Status.DRAFT, published_at=None)
    make_headline(
        text="Zqxscheduled headline", slug="zqx-scheduled-headline", published_at=now + timedelta(days=1)
    )
    make_headline(
        text="Visible headline to a draft", slug="to-draft", article=hidden["draft"], tags=["Economy"]
    )
    make_headline(
        text="Visible headline to a scheduled story", slug="to-scheduled", article=hidden["scheduled"]
    )

    # A member of staff previews a draft first: nothing of it may be served to readers from a cache.
    staff = django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-test-password")
    preview = Client()
    preview.force_login(staff)
    assert preview.get("/articles/zqx-draft/").status_code == 200
    assert preview.get("/").status_code == 200

    for slug in ["zqx-draft", "zqx-scheduled", "zqx-unpublished"]:
        assert client.get(f"/articles/{slug}/").status_code == 404
    for slug in ["zqx-draft-headline", "zqx-scheduled-headline"]:
        assert client.get(f"/headlines/{slug}/").status_code == 404

    year = now.year
    routes = [
        "/",
        "/headlines/",
        "/headlines/to-draft/",
        "/headlines/to-scheduled/",
        "/tags/",
        "/tags/economy/",
        "/tags/economy/feed.rss",
        "/tags/economy/feed.atom",
        "/archive/",
        f"/archive/{year}/",
        f"/archive/{year}/{now.month:02d}/",
        f"/archive/{(now + timedelta(days=1)).year}/",
        "/search/?q=zqxdraft",
        "/search/?q=zqxscheduled",
        "/search/?q=zqxunpublished",
        "/search/?q=story",
        "/feeds/articles.rss",
        "/feeds/articles.atom",
        "/feeds/headlines.rss",
        "/sitemap.xml",
        "/news-sitemap.xml",
        visible.get_absolute_url(),
    ]
    leaks = {}
    for route in routes:
        response = client.get(route)
        if response.status_code == 404 and route.startswith("/archive/"):
            continue
        assert response.status_code == 200, route
        text = response.content.decode()
        # Case-sensitive: search pages echo the lower-case query, never a title or a link.
        found = [marker for marker in ("Zqx", "/zqx-") if marker in text]
        if found:
            leaks[route] = found
    assert leaks == {}
    assert client.get("/tags/zqxembargo/").status_code in (200, 404)
    assert "zqx-draft" not in client.get("/tags/zqxembargo/").content.decode()


# Supply chain -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_script_or_style_comes_from_another_origin(client, make_article, make_headline, django_user_model):
    make_article(tags=["Economy"])
    make_headline()
    pages = [*reader_urls()[0], "/admin/login/"]
    for url in pages:
        response = client.get(url)
        html = response.content.decode()
        foreign = re.findall(
            r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?((?:https?:)?//[^"'\s>]+)""", html
        )
        foreign = [src for src in foreign if not src.startswith(("http://testserver/", "//testserver/"))]
        assert foreign == [], url
        policy = response.get("Content-Security-Policy", "")
        if response["Content-Type"].startswith("text/html"):
            assert policy, f"{url} has no Content-Security-Policy"
            scripts = re.search(r"script-src ([^;]*)", policy) or re.search(r"default-src ([^;]*)", policy)
            assert "http" not in scripts.group(1), policy
            assert "'unsafe-inline'" not in scripts.group(1), policy


PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


@pytest.mark.skipif(
    not PIP_AUDIT.exists(), reason="pip-audit is not installed: pip install -r requirements.txt"
)
def test_pinned_requirements_have_no_known_vulnerability():
    """Every pin in requirements.txt against PyPI's vulnerability data (needs the network to PyPI).

    pip-audit reports a pin it could not look up as skipped and still says "No known
    vulnerabilities found": a skipped pin is not a clean one, so this test skips, saying so.
    """
    options = ["--no-deps", "--disable-pip", "--progress-spinner", "off", "--format", "json"]
    result = subprocess.run(
        [PIP_AUDIT, "--requirement", "requirements.txt", *options],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout, result.stderr
    dependencies = json.loads(result.stdout)["dependencies"]
    vulnerable = {
        dep["name"]: [vuln["id"] for vuln in dep["vulns"]] for dep in dependencies if dep.get("vulns")
    }
    assert vulnerable == {}
    assert result.returncode == 0, result.stderr
    unaudited = [dep["name"] for dep in dependencies if dep.get("skip_reason")]
    if unaudited:
        reason = next(dep["skip_reason"] for dep in dependencies if dep.get("skip_reason"))
        pytest.skip(f"pip-audit could not look up {len(unaudited)} of {len(dependencies)} pins ({reason})")
