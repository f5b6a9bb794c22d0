"""The editors' desk in Chromium: from draft to correction, and a reporter who cannot publish."""

import importlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, Status, Tag

PASSWORD = "a-long-password-for-tests"
GROUPS = importlib.import_module("articles.migrations.0002_editorial_groups")


def editorial_group(name):
    """The group as migration 0002 creates it: the flush after a transactional test empties the table."""
    codenames = {"Reporters": GROUPS.REPORTER_PERMISSIONS, "Editors": GROUPS.EDITOR_PERMISSIONS}[name]
    group, created = Group.objects.get_or_create(name=name)
    if created:
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )
    return group


def log_in(page, live_server, username, group):
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, is_staff=True)
    user.groups.add(editorial_group(group))
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text(f"Welcome, {username}", exact=False)).to_be_visible()


def add_tag(page, name):
    """Type a tag into the autocomplete and take what it offers (an existing tag, or the new name)."""
    page.locator(".field-tags .select2-search__field").press_sequentially(name)
    expect(page.locator(".select2-results__option--highlighted")).to_have_text(re.compile(name, re.I))
    page.keyboard.press("Enter")


@pytest.mark.django_db(transaction=True)
def test_editor_writes_schedules_publishes_and_corrects_an_article(live_server, page, screenshot):
    Tag.objects.create(name="Climate", slug="climate")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Scripts that throw or that the Content-Security-Policy refuses (a missing favicon is no error here).
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and errors.append(message.text)
        ),
    )
    log_in(page, live_server, "eddie", "Editors")

    page.goto(live_server.url + "/admin/articles/article/add/")
    page.get_by_label("Title:").press_sequentially("Rivers burst their banks")
    expect(page.get_by_label("Slug:")).to_have_value("rivers-burst-their-banks")
    page.get_by_label("Standfirst:").fill("Towns along the valley were evacuated overnight.")
    editor = page.locator(".field-body [contenteditable=true]")
    editor.click()
    page.keyboard.type("Water rose three metres in an hour.")
    page.keyboard.press("Enter")
    page.keyboard.type("Nobody was hurt.")
    add_tag(page, "climate")  # the existing "Climate", whatever the case typed
    add_tag(page, "Flood defences")
    expect(page.locator(".field-tags .select2-selection__choice")).to_have_count(2)
    page.get_by_label("Status:").select_option("published")
    tomorrow = timezone.localtime() + timedelta(days=1)
    page.locator("#id_published_at_0").fill(f"{tomorrow:%Y-%m-%d}")
    page.locator("#id_published_at_1").fill("09:00:00")
    screenshot("admin-01-editor-writes-article")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    row = page.locator("#result_list tbody tr", has_text="Rivers burst their banks")
    expect(row.locator(".field-state")).to_have_text("Scheduled")
    expect(row.locator(".field-tag_list")).to_have_text("Climate, Flood defences")
    screenshot("admin-02-changelist-scheduled")
    article = Article.objects.get()
    assert article.body == "<p>Water rose three metres in an hour.</p><p>Nobody was hurt.</p>"
    assert Tag.objects.filter(name__iexact="climate").count() == 1
    assert article.is_scheduled

    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="Rivers burst their banks")).to_have_count(0)

    page.goto(live_server.url + "/admin/articles/article/")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("publish_now")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Published: 1 article.")
    expect(row.locator(".field-state")).to_have_text("Published")

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Rivers burst their banks").first.click()
    expect(page.locator("h1")).to_have_text("Rivers burst their banks")
    screenshot("admin-03-published-on-site")

    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("Water rose two metres in an hour. Nobody was hurt.")
    page.get_by_role("button", name=re.compile("Add another correction", re.I)).click()
    page.locator("#id_corrections-0-text").fill("An earlier version said the water rose three metres.")
    screenshot("admin-04-editor-adds-correction")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(live_server.url + article.get_absolute_url())
    expect(page.get_by_text("An earlier version said the water rose three metres.")).to_be_visible()
    expect(page.get_by_text("Water rose two metres in an hour. Nobody was hurt.")).to_be_visible()
    screenshot("admin-05-correction-on-site")

    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/history/")
    page.locator("#compare-old").select_option(index=2)  # the first version, as written
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".version-diff tbody th")).to_have_text(["Body", "Publication time"])
    screenshot("admin-06-history-compare")
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_reporter_finds_no_way_to_publish(live_server, page, screenshot, make_article):
    published = make_article(title="Already live")
    draft = make_article(title="Work in progress", status=Status.DRAFT, published_at=None)
    log_in(page, live_server, "rita", "Reporters")

    page.goto(live_server.url + "/admin/articles/article/")
    expect(page.locator("select[name=action]")).to_have_count(0)
    screenshot("admin-07-reporter-changelist")

    page.goto(live_server.url + f"/admin/articles/article/{draft.pk}/change/")
    expect(page.locator("select[name=status]")).to_have_count(0)
    expect(page.locator(".field-status .readonly")).to_have_text("Draft")
    page.get_by_label("Title:").fill("Work in progress, revised")
    screenshot("admin-08-reporter-edits-draft")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(live_server.url + f"/admin/articles/article/{published.pk}/change/")
    expect(page.locator("input[name=title]")).to_have_count(0)
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    screenshot("admin-09-reporter-views-published")

    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Work in progress, revised", Status.DRAFT)


@pytest.mark.django_db(transaction=True)
def test_second_editor_saving_the_same_version_is_told_what_changed(
    live_server, browser, page, screenshot, make_article
):
    published_at = timezone.now().replace(microsecond=0) - timedelta(hours=1)  # as the form posts it
    article = make_article(title="Council approves budget", published_at=published_at)
    url = live_server.url + f"/admin/articles/article/{article.pk}/change/"
    log_in(page, live_server, "eddie", "Editors")
    page.goto(url)
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(other, live_server, "olga", "Editors")
    other.goto(url)

    other.get_by_label("Title:").fill("Council approves budget after all-night session")
    other.get_by_role("button", name="Save", exact=True).click()
    expect(other.locator(".messagelist")).to_contain_text("was changed successfully")
    other.context.close()
    page.get_by_label("Standfirst:").fill("My standfirst, written at the same time.")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".errorlist.nonfield")).to_contain_text("olga saved this article at")
    expect(page.locator(".errorlist.nonfield")).to_contain_text(
        "Now saved — title: “Council approves budget after all-night session”."
    )
    expect(page.get_by_label("Standfirst:")).to_have_value("My standfirst, written at the same time.")
    screenshot("admin-10-conflict-refused")
    article.refresh_from_db()
    assert article.title == "Council approves budget after all-night session"
    assert article.standfirst != "My standfirst, written at the same time."
