"""Stored XSS in a real browser: with the hostile corpus stored, Chromium opens every reader page and
sees no dialog, no page error and no Content-Security-Policy violation (nothing even tried to run)."""

from io import StringIO

import pytest
from django.core.management import call_command
from test_hostile import XSS, article_row, hand_made_fixture, headline_row, reader_urls, save_corpus

from articles.models import Article

WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every dialog, page error, console CSP report and violation event collected."""
    seen = {"dialogs": [], "errors": [], "console": []}

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on(
        "console",
        lambda message: (
            seen["console"].append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(WATCH_CSP)
    return page, seen


def visit(page, seen, url):
    """Open `url`, give handlers and autofocus a moment, and return what was seen there."""
    page.goto(url, wait_until="load")
    page.wait_for_timeout(50)
    found = {key: list(values) for key, values in seen.items() if values}
    violations = page.evaluate("window.__violations")
    if violations:
        found["violations"] = violations
    for values in seen.values():
        values.clear()
    return found


@pytest.fixture
def hostile_content(make_article, make_headline, tmp_path):
    """The corpus stored the two ways that skip the admin's forms: `save()` and a hand-made fixture."""
    save_corpus(make_article, make_headline)
    rows = [
        article_row(
            f"loaded-{n}", title=payload[:255], standfirst=payload, body=payload, byline=payload[:200]
        )
        for n, payload in enumerate(XSS)
    ]
    rows += [headline_row(f"loaded-headline-{n}", text=payload) for n, payload in enumerate(XSS)]
    call_command("loaddata", hand_made_fixture(tmp_path / "xss.json", rows), stdout=StringIO())
    assert Article.objects.count() == 2 * len(XSS)


@pytest.mark.django_db(transaction=True)
def test_the_watch_sees_a_dialog_and_a_csp_violation(live_server, watched):
    """The detectors work: an injected handler is blocked by the site's CSP, a raw one runs."""
    page, seen = watched
    page.goto(live_server.url + "/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(1)>')")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__violations"), "the site's CSP did not block an inline handler"

    page.goto("about:blank")  # no CSP here: the same markup runs
    page.set_content("<img src=x onerror=alert(1)>")
    page.wait_for_timeout(200)
    assert seen["dialogs"] == ["1"]


@pytest.mark.django_db(transaction=True)
def test_no_stored_payload_runs_on_any_page(live_server, watched, hostile_content):
    page, seen = watched
    urls, _feeds, _sitemaps = reader_urls()

    found = {url: visit(page, seen, live_server.url + url) for url in urls}

    assert {url: what for url, what in found.items() if what} == {}
