"""A reader's journey in Chromium at desktop and phone widths, and axe-core on every page type."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from articles.models import Correction

WIDTHS = {"desktop": 1280, "phone": 390}
STORIES = [
    (
        "Seoul presses Washington for a new visa after the battery-plant raid",
        "A top U.S. diplomat expressed regret over the detention of 300 South Korean workers in Georgia.",
        "Ji-won Park",
        ["Korea", "Trade", "Immigration"],
    ),
    (
        "Shipyards call back workers as orders for tankers return",
        "Three yards on the south coast will hire again before spring, unions say.",
        "Tom Haines",
        ["Trade", "Industry"],
    ),
    (
        "Central bank holds rates and signals a long pause",
        "Policymakers voted seven to two to keep borrowing costs where they are.",
        "Maria Costa",
        ["Economy"],
    ),
    (
        "Storm season ends with the fewest landfalls in a decade",
        "Forecasters credit cooler Atlantic waters and a late El Niño.",
        "",
        ["Weather"],
    ),
    (
        "Visa rules for engineers to be rewritten by summer",
        "The new category would cover short assignments at factories under construction.",
        "Ji-won Park",
        ["Immigration", "Korea"],
    ),
]
BODY = (
    "<p>The raid, which targeted a battery plant under construction, led to the detention of about 300 "
    "workers. They returned home last week to emotional reunions, but the event sparked public anger.</p>"
    "<h2>Talks on follow-up measures</h2>"
    "<p>During a meeting in Seoul, the first vice foreign minister urged the visiting deputy secretary of "
    "state to advance talks, including a new visa category tailored to "
    "<strong>skilled professionals</strong>.</p>"
    "<blockquote>We need rules that match the scale of investment.</blockquote>"
    "<p>Officials said the details would be worked out by a joint working group, "
    '<a href="https://example.com/statement">according to a statement</a>.</p>'
)


@pytest.fixture
def newsroom(make_article, make_headline):
    now = timezone.now()
    articles = [
        make_article(
            title=title,
            standfirst=standfirst,
            byline=byline,
            tags=tags,
            body=BODY,
            published_at=now - timedelta(hours=3 * n + 1),
        )
        for n, (title, standfirst, byline, tags) in enumerate(STORIES)
    ]
    lead = articles[0]
    Correction.objects.create(article=lead, text="An earlier version gave the wrong number of workers.")
    make_headline(
        text="Port of Busan closes as typhoon nears", is_breaking=True, position=0, tags=["Weather"]
    )
    make_headline(
        text="Seoul and Washington agree visa working group", article=lead, position=1, tags=["Korea"]
    )
    make_headline(
        text="Markets open higher after rate decision", url="https://example.com/markets", position=2
    )
    make_headline(text="Union ballot at the shipyards closes on Friday", article=articles[1], position=3)
    make_headline(text="Forecasters upgrade winter outlook", position=4, tags=["Weather"])
    return lead


def serious_violations(page):
    """The ids of axe-core's serious and critical findings on the page as it stands."""
    violations = Axe().run(page).response["violations"]
    return [violation["id"] for violation in violations if violation["impact"] in ("serious", "critical")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", WIDTHS)
def test_front_page_to_article_to_tag_to_search(live_server, page, screenshot, newsroom, device):
    # A strict CSP is in force: any inline script or style would be blocked and logged as an error.
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto(live_server.url + "/")
    assert page.get_by_role("complementary", name="Breaking news").is_visible()
    screenshot(f"reader-{device}-1-front")

    page.get_by_role("link", name=newsroom.title).first.click()
    assert page.locator("h1").inner_text() == newsroom.title
    assert page.get_by_text("An earlier version gave the wrong number").is_visible()
    screenshot(f"reader-{device}-2-article")

    page.locator(".story-tags").get_by_role("link", name="Korea").click()
    assert page.locator("h1").inner_text() == "Korea"
    assert page.get_by_role("link", name=STORIES[4][0]).is_visible()
    screenshot(f"reader-{device}-3-tag")

    search = page.get_by_role("search").first.get_by_role("searchbox")
    search.fill("visa")
    search.press("Enter")
    page.wait_for_url("**/search/?q=visa")
    assert page.locator("mark").first.inner_text().lower() == "visa"
    assert page.locator(".result").count() >= 3
    screenshot(f"reader-{device}-4-search")
    assert errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[device]


@pytest.mark.django_db(transaction=True)
def test_every_page_type_passes_axe(live_server, page, screenshot, newsroom):
    published = newsroom.published_at
    pages = {
        "front": "/",
        "article": newsroom.get_absolute_url(),
        "headlines": "/headlines/",
        "headline": newsroom.headlines.get().get_absolute_url(),
        "tags": "/tags/",
        "tag": "/tags/korea/",
        "archive": "/archive/",
        "archive-year": f"/archive/{published.year}/",
        "archive-month": f"/archive/{published.year}/{published.month}/",
        "search": "/search/?q=visa",
        "search-empty": "/search/?q=",
        "not-found": "/no-such-page/",
    }
    found = {}
    for name, path in pages.items():
        page.goto(live_server.url + path)
        found[name] = serious_violations(page)
        screenshot(f"page-{name}")
    assert found == {name: [] for name in pages}


@pytest.mark.django_db(transaction=True)
def test_dark_mode_focus_and_skip_link(live_server, page, screenshot, newsroom):
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + newsroom.get_absolute_url())
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(18, 18, 18)"
    page.keyboard.press("Tab")
    assert page.get_by_role("link", name="Skip to content").is_visible()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    screenshot("reader-dark-article")
    assert serious_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_print_stylesheet_hides_navigation(live_server, page, screenshot, newsroom):
    page.emulate_media(media="print")
    page.goto(live_server.url + newsroom.get_absolute_url())
    assert page.locator(".sections").is_hidden()
    assert page.locator(".story-body").is_visible()
    screenshot("reader-print-article")
