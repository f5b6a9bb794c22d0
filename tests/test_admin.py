"""The editors' desk, through the admin as editors and reporters use it."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.admin import merge_tags
from articles.context_processors import breaking_headlines
from articles.models import (
    Article,
    Correction,
    Headline,
    Status,
    Tag,
    TaggedArticle,
    TaggedHeadline,
    TagRedirect,
)

CHANGELIST = reverse("admin:articles_article_changelist")
ADD = reverse("admin:articles_article_add")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def make_user(name, group):
    user = User.objects.create_user(name, f"{name}@example.com", "a-long-password", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db):
    return make_user("eddie", "Editors")


@pytest.fixture
def reporter(db):
    return make_user("rita", "Reporters")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


def form_data(article=None, **fields):
    """What the change form posts for `article` (or a new one), with `fields` changed."""
    data = {
        "title": "A new story",
        "slug": "a-new-story",
        "standfirst": "What happened, in one sentence.",
        "body": "<p>The story.</p>",
        "byline": "",
        "status": Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "version": "",
    }
    if article is not None:
        data |= {
            "title": article.title,
            "slug": article.slug,
            "standfirst": article.standfirst,
            "body": article.body,
            "byline": article.byline,
            "status": article.status,
            "tags": [tag.name for tag in article.tags.all()],
            "version": str(article.history.values_list("history_id", flat=True).first() or ""),
        }
        if article.published_at:
            data["published_at_0"] = f"{article.published_at:%Y-%m-%d}"
            data["published_at_1"] = f"{article.published_at:%H:%M:%S}"
        count = article.corrections.count()
        data |= {
            "corrections-TOTAL_FORMS": str(count),
            "corrections-INITIAL_FORMS": str(count),
            "corrections-MIN_NUM_FORMS": "0",
            "corrections-MAX_NUM_FORMS": "1000",
        }
    return data | fields


def action(client, url, name, items, **extra):
    return client.post(
        url, {"action": name, "_selected_action": [item.pk for item in items], **extra}, follow=True
    )


def make_articles(count):
    """`count` articles with two tags each, written in bulk as an import would."""
    tags = [Tag.objects.create(name=f"Subject {n}", slug=f"subject-{n}") for n in range(5)]
    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(
            title=f"Story {n}",
            slug=f"story-{n}",
            standfirst="Summary.",
            body="<p>Body.</p>",
            status=Status.PUBLISHED if n % 3 else Status.DRAFT,
            published_at=now - timedelta(minutes=n) if n % 3 else None,
        )
        for n in range(count)
    )
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object=article, tag=tags[(n + k) % 5])
        for n, article in enumerate(articles)
        for k in range(2)
    )


# Change lists


@pytest.mark.parametrize("count", [10, 1000])
def test_article_changelist_runs_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries, count
):
    make_articles(count)
    tag = Tag.objects.first()
    for query in [{}, {"status": "published"}, {"q": "story", "tags__id__exact": tag.pk}]:
        with django_assert_max_num_queries(12):
            response = editor_client.get(CHANGELIST, query)
        assert response.status_code == 200
        changelist = response.context["cl"]
        assert len(changelist.result_list) == min(changelist.result_count, changelist.list_per_page) > 0


def test_article_changelist_shows_status_tags_and_newest_first(editor_client, make_article):
    now = timezone.now()
    make_article(title="Old news", published_at=now - timedelta(days=2), tags=["Politics"])
    make_article(title="Fresh news", published_at=now - timedelta(hours=1), tags=["Economy", "Politics"])
    make_article(title="Tomorrow's news", published_at=now + timedelta(days=1))
    make_article(title="Unfinished", status=Status.DRAFT, published_at=None)

    response = editor_client.get(CHANGELIST)

    titles = [article.title for article in response.context["cl"].result_list]
    assert titles == ["Unfinished", "Tomorrow's news", "Fresh news", "Old news"]
    assert "Scheduled" in response.text
    assert "Economy, Politics" in response.text


@pytest.mark.parametrize(
    ("status", "expected"),
    [("draft", {"Unfinished"}), ("scheduled", {"Tomorrow's news"}), ("published", {"Fresh news"})],
)
def test_article_changelist_filters_by_status_as_readers_see_it(
    editor_client, make_article, status, expected
):
    now = timezone.now()
    make_article(title="Fresh news", published_at=now - timedelta(hours=1))
    make_article(title="Tomorrow's news", published_at=now + timedelta(days=1))
    make_article(title="Unfinished", status=Status.DRAFT, published_at=None)

    response = editor_client.get(CHANGELIST, {"status": status})

    assert {article.title for article in response.context["cl"].result_list} == expected


def test_article_changelist_searches_title_standfirst_and_body(editor_client, make_article):
    make_article(title="Budget day", body="<p>The chancellor spoke about rivers.</p>")
    make_article(title="Weather", standfirst="Rivers rise after the storm.")
    make_article(title="Sport")

    response = editor_client.get(CHANGELIST, {"q": "rivers"})

    assert {article.title for article in response.context["cl"].result_list} == {"Budget day", "Weather"}


def test_article_changelist_filters_by_tag_and_date(editor_client, make_article):
    make_article(title="Tagged", tags=["Climate"])
    make_article(title="Untagged", published_at=timezone.now() - timedelta(days=400))
    tag = Tag.objects.get(name="Climate")

    by_tag = editor_client.get(CHANGELIST, {"tags__id__exact": tag.pk})
    by_year = editor_client.get(CHANGELIST, {"published_at__year": timezone.now().year})

    assert [article.title for article in by_tag.context["cl"].result_list] == ["Tagged"]
    assert "Untagged" not in {article.title for article in by_year.context["cl"].result_list}


def test_article_changelist_offers_the_desks_current_tags_and_any_chosen_one(editor_client, make_article):
    make_article(title="Old", tags=["Archive only"], published_at=timezone.now() - timedelta(days=900))
    for n in range(3):
        make_article(title=f"Fresh {n}", tags=["Climate", f"Subject {n}"])
    old_tag = Tag.objects.get(name="Archive only")

    offered = editor_client.get(CHANGELIST)
    chosen = editor_client.get(CHANGELIST, {"tags__id__exact": old_tag.pk})

    tag_filter = next(spec for spec in offered.context["cl"].filter_specs if spec.title == "tag")
    assert [name for _, name in tag_filter.lookup_choices][:1] == ["Climate"]  # the most used first
    assert [article.title for article in chosen.context["cl"].result_list] == ["Old"]
    assert "Archive only" in chosen.text  # the chosen tag is shown as selected


def test_tag_list_links_counts_to_the_filtered_desks(editor_client, make_article, make_headline):
    make_article(title="Tagged", tags=["Climate", "Weather"])
    make_headline(text="Tagged headline", tags=["Climate"])
    climate, weather = Tag.objects.get(name="Climate"), Tag.objects.get(name="Weather")
    headlines = reverse("admin:articles_headline_changelist")

    response = editor_client.get(reverse("admin:articles_tag_changelist"))

    assert f'href="{CHANGELIST}?tags__id__exact={climate.pk}"' in response.text
    assert f'href="{headlines}?tags__id__exact={climate.pk}"' in response.text
    # No headline carries Weather: its 0 is not a link to an empty list.
    assert f'href="{CHANGELIST}?tags__id__exact={weather.pk}"' in response.text
    assert f"{headlines}?tags__id__exact={weather.pk}" not in response.text


# The edit form


def test_editor_writes_an_article_with_tags_and_one_history_record(editor_client, editor):
    Tag.objects.create(name="Climate", slug="climate")

    response = editor_client.post(ADD, form_data(tags=["climate", "Flood defences", "flood DEFENCES"]))

    assert response.status_code == 302
    article = Article.objects.get(slug="a-new-story")
    assert sorted(tag.name for tag in article.tags.all()) == ["Climate", "Flood defences"]
    assert Tag.objects.filter(name__iexact="climate").count() == 1
    assert [(record.history_type, record.history_user) for record in article.history.all()] == [("+", editor)]


def test_add_form_shows_the_editor_tag_autocomplete_and_publishing_help(editor_client):
    response = editor_client.get(ADD)

    assert "data-django-prose-editor-configurable" in response.text
    assert 'data-tags="true"' in response.text
    assert reverse("admin:articles_tag_names") in response.text
    assert "a time in the future: scheduled" in response.text
    assert "&quot;dependency_list&quot;: [&quot;title&quot;]" in response.text


def test_tag_autocomplete_answers_with_names(editor_client):
    Tag.objects.create(name="Climate", slug="climate")
    Tag.objects.create(name="Economy", slug="economy")

    response = editor_client.get(
        reverse("admin:articles_tag_names"),
        {"term": "CLIM", "app_label": "articles", "model_name": "article", "field_name": "tags"},
    )

    assert response.json()["results"] == [{"id": "Climate", "text": "Climate"}]


def test_change_form_shows_read_only_timestamps_and_a_view_on_site_link(editor_client, make_article):
    article = make_article(status=Status.DRAFT, published_at=None)

    response = editor_client.get(change_url(article))

    assert "Created at" in response.text and "Updated at" in response.text
    assert 'name="updated_at"' not in response.text
    view_on_site = reverse("admin:view_on_site", args=[response.context["content_type_id"], article.pk])
    assert view_on_site in response.text
    preview = editor_client.get(view_on_site, follow=True)
    assert preview.redirect_chain[-1][0].endswith(article.get_absolute_url())
    assert preview.status_code == 200
    assert article.title in preview.text


def test_editor_publishes_with_an_empty_time_meaning_now(editor_client, make_article):
    article = make_article(status=Status.DRAFT, published_at=None)

    editor_client.post(change_url(article), form_data(article, status=Status.PUBLISHED))

    article.refresh_from_db()
    assert article.is_published
    assert timezone.now() - article.published_at < timedelta(minutes=1)


def test_editor_schedules_by_form(editor_client, make_article):
    article = make_article(status=Status.DRAFT, published_at=None)
    when = timezone.now() + timedelta(days=1)

    editor_client.post(
        change_url(article),
        form_data(
            article,
            status=Status.PUBLISHED,
            published_at_0=f"{when:%Y-%m-%d}",
            published_at_1=f"{when:%H:%M:%S}",
        ),
    )

    article.refresh_from_db()
    assert article.is_scheduled
    assert not Article.objects.published().filter(pk=article.pk).exists()


HOSTILE_BODIES = [
    "<p>Hi</p><script>alert(1)</script>",
    "<p onclick=alert(1) onmouseover='alert(2)'>Hi</p>",
    '<p><a href="javascript:alert(1)">Hi</a></p>',
    '<p><a href="JaVaScRiPt&#58;alert(1)">Hi</a></p>',
    '<p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Hi</a></p>',
    "<p><img src=x onerror=alert(1)>Hi</p>",
    "<p>Hi<svg><script>alert(1)</script></svg></p>",
    '<p>Hi</p><iframe src="https://evil.example"></iframe>',
    "<p>Hi<style>body{display:none}</style></p>",
    '<p style="background:url(javascript:alert(1))">Hi',
    "<p>Hi</p><scr<script>ipt>alert(1)</script>",
    '<p>Hi</p><form action="https://evil.example"><input name="password"></form>',
]


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_admin_form_stores_only_sanitised_html(editor_client, body):
    editor_client.post(ADD, form_data(body=body))

    stored = Article.objects.get(slug="a-new-story").body.lower()
    assert "Hi" in Article.objects.get(slug="a-new-story").body
    for forbidden in [
        "<script",
        "onclick",
        "onerror",
        "onmouseover",
        "javascript",
        "data:",
        "<img",
        "<svg",
        "<iframe",
        "<style",
        "style=",
        "<form",
        "<input",
        "alert(1)</script",
    ]:
        assert forbidden not in stored


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_fixture_bodies_are_sanitised_too(db, tmp_path, body):
    fixture = tmp_path / "hostile.json"
    fields = {"title": "From a fixture", "standfirst": "Summary.", "body": body, "status": Status.DRAFT}
    fields |= {"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    fixture.write_text(
        json.dumps([{"model": "articles.article", "fields": {"slug": "from-a-fixture", **fields}}])
    )

    call_command("loaddata", fixture, verbosity=0)

    stored = Article.objects.get(slug="from-a-fixture").body.lower()
    assert "hi" in stored
    assert not any(
        forbidden in stored for forbidden in ["<script", "onclick", "onerror", "javascript", "data:"]
    )


def test_admin_form_keeps_the_markup_the_editor_offers(editor_client):
    body = (
        "<h2>Heading</h2><p><strong>bold</strong> <em>italic</em> "
        '<a href="https://example.com/">link</a></p><ul><li>one</li></ul><blockquote><p>quote</p></blockquote>'
    )

    editor_client.post(ADD, form_data(body=body))

    stored = Article.objects.get(slug="a-new-story").body
    for kept in ["<h2>", "<strong>", "<em>", '<a href="https://example.com/"', "<ul>", "<blockquote>"]:
        assert kept in stored


def test_an_empty_body_is_refused(editor_client):
    response = editor_client.post(ADD, form_data(body="<p></p>"))

    assert response.status_code == 200
    assert "Write the story before saving." in response.text
    assert not Article.objects.exists()


# Who may publish


def test_reporter_form_has_no_publishing_fields(reporter_client):
    response = reporter_client.get(ADD)

    assert response.status_code == 200
    assert 'name="status"' not in response.text
    assert 'name="published_at_0"' not in response.text


def test_reporter_crafted_post_cannot_publish(reporter_client, reporter):
    now = timezone.now()

    reporter_client.post(
        ADD, form_data(status=Status.PUBLISHED, published_at_0=f"{now:%Y-%m-%d}", published_at_1="00:00:00")
    )

    article = Article.objects.get(slug="a-new-story")
    assert article.status == Status.DRAFT
    assert article.published_at is None
    assert article.history.get().history_user == reporter


def test_reporter_edits_a_draft_but_cannot_publish_it(reporter_client, make_article):
    article = make_article(status=Status.DRAFT, published_at=None)

    response = reporter_client.post(
        change_url(article), form_data(article, title="Better title", status=Status.PUBLISHED)
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.status) == ("Better title", Status.DRAFT)


def test_reporter_cannot_change_a_published_article(reporter_client, make_article):
    article = make_article(title="Live story")

    page = reporter_client.get(change_url(article))
    response = reporter_client.post(change_url(article), form_data(article, title="Vandalised"))

    assert page.status_code == 200 and 'name="title"' not in page.text
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Live story"


@pytest.mark.parametrize("name", ["publish_now", "schedule", "unpublish"])
def test_reporter_has_no_publishing_actions(reporter_client, make_article, name):
    draft = make_article(status=Status.DRAFT, published_at=None)
    live = make_article()
    when = timezone.now() + timedelta(days=1)

    page = reporter_client.get(CHANGELIST)
    response = action(
        reporter_client, CHANGELIST, name, [draft, live], apply="1", published_at=f"{when:%Y-%m-%dT%H:%M}"
    )

    assert 'name="action"' not in page.text
    assert response.status_code == 200
    draft.refresh_from_db()
    live.refresh_from_db()
    assert (draft.status, live.status) == (Status.DRAFT, Status.PUBLISHED)


def test_reporter_cannot_publish_by_reverting_to_a_published_version(
    reporter_client, editor_client, make_article
):
    article = make_article(status=Status.DRAFT, published_at=None)
    editor_client.post(change_url(article), form_data(article, status=Status.PUBLISHED))
    editor_client.post(change_url(article), form_data(Article.objects.get(), status=Status.DRAFT))
    published_version = article.history.filter(status=Status.PUBLISHED).get()
    reporter = User.objects.get(username="rita")
    reporter_client.force_login(reporter)
    revert_url = reverse(
        "admin:articles_article_simple_history", args=[article.pk, published_version.history_id]
    )

    reporter_client.post(revert_url, form_data(published_version.instance, status=Status.PUBLISHED))

    article.refresh_from_db()
    assert article.status == Status.DRAFT


# Bulk actions


def test_publish_now_action_publishes_drafts_and_scheduled_items(editor_client, editor, make_article):
    draft = make_article(status=Status.DRAFT, published_at=None)
    scheduled = make_article(published_at=timezone.now() + timedelta(days=1))
    live = make_article(published_at=timezone.now() - timedelta(days=1))
    before = {item.pk: item.updated_at for item in (draft, scheduled, live)}

    response = action(editor_client, CHANGELIST, "publish_now", [draft, scheduled, live])

    assert "Published: 2 articles." in response.text
    for item in (draft, scheduled):
        item.refresh_from_db()
        assert item.is_published
        assert item.updated_at > before[item.pk]
        assert item.history.first().history_user == editor
    live.refresh_from_db()
    assert live.published_at < timezone.now() - timedelta(hours=23)


def test_unpublish_action_returns_items_to_draft(editor_client, make_article):
    live = make_article()
    before = live.updated_at

    action(editor_client, CHANGELIST, "unpublish", [live])

    live.refresh_from_db()
    assert live.status == Status.DRAFT
    assert live.updated_at > before
    assert not Article.objects.published().exists()


def test_schedule_action_asks_for_a_time_then_schedules(editor_client, make_article):
    drafts = [make_article(status=Status.DRAFT, published_at=None) for _ in range(2)]
    when = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)

    form = action(editor_client, CHANGELIST, "schedule", drafts)
    past = action(editor_client, CHANGELIST, "schedule", drafts, apply="1", published_at="2001-01-01T09:00")
    done = action(
        editor_client, CHANGELIST, "schedule", drafts, apply="1", published_at=f"{when:%Y-%m-%dT%H:%M}"
    )

    assert 'type="datetime-local"' in form.text
    assert "Choose a time in the future" in past.text
    assert "Scheduled for" in done.text
    for draft in drafts:
        draft.refresh_from_db()
        assert (draft.is_scheduled, draft.published_at) == (True, when)


def test_scheduled_article_appears_exactly_when_its_time_passes(make_article, client):
    article = make_article(published_at=timezone.now() + timedelta(seconds=1))

    before = client.get(article.get_absolute_url()).status_code
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    after = client.get(article.get_absolute_url()).status_code

    assert (before, after) == (404, 200)


# No lost edits


def test_second_save_of_the_same_version_is_refused_with_what_changed(client, editor, make_article):
    article = make_article(title="First title")
    other = make_user("olga", "Editors")
    opened_by_eddie = form_data(article)
    opened_by_olga = form_data(article)
    client.force_login(other)
    client.post(change_url(article), opened_by_olga | {"title": "Olga's title"})
    client.force_login(editor)

    response = client.post(change_url(article), opened_by_eddie | {"standfirst": "Eddie's standfirst."})

    assert response.status_code == 200
    error = response.context["adminform"].form.non_field_errors()[0]
    assert "olga saved this article" in error
    assert "title: “Olga's title”" in error
    article.refresh_from_db()
    assert (article.title, article.standfirst) == (
        "Olga's title",
        "The summary of article " + article.slug[8:] + ".",
    )


@pytest.mark.parametrize("version", ["", "not-a-number", "999999"])
def test_a_missing_or_forged_version_is_refused_too(editor_client, make_article, version):
    article = make_article(title="First title")

    response = editor_client.post(change_url(article), form_data(article, title="Changed", version=version))

    assert response.status_code == 200
    assert "after you opened it" in response.context["adminform"].form.non_field_errors()[0]
    assert Article.objects.get().title == "First title"


def test_save_after_reloading_goes_through(editor_client, make_article):
    article = make_article(title="First title")
    editor_client.post(change_url(article), form_data(article, title="Second title"))

    response = editor_client.post(change_url(article), form_data(Article.objects.get(), title="Third title"))

    assert response.status_code == 302
    assert Article.objects.get().title == "Third title"


# History


def test_every_admin_save_records_one_version_with_its_author(editor_client, editor, make_article):
    article = make_article(title="Version one")
    for title in ["Version two", "Version three"]:
        editor_client.post(change_url(article), form_data(Article.objects.get(), title=title))

    records = list(article.history.all())

    assert [record.title for record in records] == ["Version three", "Version two", "Version one"]
    assert [record.history_user for record in records[:2]] == [editor, editor]


def test_history_page_compares_two_versions(editor_client, make_article):
    published_at = timezone.now().replace(microsecond=0)  # as the form posts it
    body = "<p>The river rose.</p><p>Nobody was hurt.</p>"
    article = make_article(title="Version one", body=body, published_at=published_at)
    editor_client.post(
        change_url(article), form_data(article, title="Version two", body=body.replace("rose", "fell"))
    )
    new, old = article.history.all()[:2]

    history = editor_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    compare = editor_client.get(
        reverse("admin:articles_article_history_compare", args=[article.pk]),
        {"old": old.history_id, "new": new.history_id},
    )

    assert 'id="compare-versions"' in history.text
    assert {change["field"] for change in compare.context["changes"]} == {"title", "body"}
    assert "<del>rose.</del> <ins>fell.</ins> <span>Nobody was hurt.</span>" in compare.text
    assert "<del>one</del> <ins>two</ins>" in compare.text


def test_revert_restores_an_earlier_version_as_a_new_one(editor_client, editor, make_article):
    article = make_article(title="The right title")
    editor_client.post(change_url(article), form_data(article, title="A wrong title"))
    good = article.history.last()
    url = reverse("admin:articles_article_simple_history", args=[article.pk, good.history_id])

    page = editor_client.get(url)
    response = editor_client.post(
        url, form_data(good.instance) | {"version": page.context["adminform"].form["version"].value()}
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "The right title"
    assert article.history.count() == 3
    assert article.history.first().history_user == editor


# Corrections


def test_editor_adds_a_correction_which_bumps_the_update_time(editor_client, make_article):
    article = make_article()
    before = article.updated_at
    versions = article.history.count()

    response = editor_client.post(
        change_url(article),
        form_data(article)
        | {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-text": "An earlier version misspelt the minister's name.",
            "corrections-0-created_at_0": f"{timezone.now():%Y-%m-%d}",
            "corrections-0-created_at_1": f"{timezone.now():%H:%M:%S}",
        },
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.corrections.get().text.startswith("An earlier version")
    assert article.updated_at > before
    assert article.history.count() == versions + 1


def test_corrections_are_offered_only_on_published_articles(editor_client, make_article):
    draft = make_article(status=Status.DRAFT, published_at=None)
    live = make_article()

    assert "corrections-TOTAL_FORMS" not in editor_client.get(change_url(draft)).text
    assert "corrections-TOTAL_FORMS" in editor_client.get(change_url(live)).text


def test_correction_saved_anywhere_bumps_the_article(make_article):
    article = make_article()
    before = article.updated_at

    Correction.objects.create(article=article, text="A date was wrong.")

    article.refresh_from_db()
    assert article.updated_at > before


# Headlines


def test_editor_reorders_the_rail_in_the_changelist(editor_client, editor, make_headline):
    first, second = make_headline(position=1), make_headline(position=2)
    url = reverse("admin:articles_headline_changelist")
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(first.pk),
        "form-0-position": "2",
        "form-1-id": str(second.pk),
        "form-1-position": "1",
        "_save": "Save",
    }

    response = editor_client.post(url, data)

    assert response.status_code == 302
    assert list(Headline.objects.rail()) == [second, first]
    assert first.history.first().history_user == editor


def test_reporter_cannot_reorder_the_rail(reporter_client, make_headline):
    make_headline(position=1)

    response = reporter_client.get(reverse("admin:articles_headline_changelist"))

    assert response.status_code == 200
    assert 'name="form-0-position"' not in response.text


def test_headline_links_to_an_article_by_autocomplete(editor_client, make_article):
    make_article(title="Rivers burst their banks")

    form = editor_client.get(reverse("admin:articles_headline_add"))
    found = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "rivers", "app_label": "articles", "model_name": "headline", "field_name": "article"},
    )

    assert 'data-field-name="article"' in form.text
    assert [result["text"] for result in found.json()["results"]] == ["Rivers burst their banks"]


def test_headline_bulk_publish_and_unpublish(editor_client, make_headline):
    url = reverse("admin:articles_headline_changelist")
    draft = make_headline(status=Status.DRAFT, published_at=None, is_breaking=True)

    action(editor_client, url, "publish_now", [draft])
    published = draft in breaking_headlines()
    action(editor_client, url, "unpublish", [draft])

    assert published
    assert not Headline.objects.published().exists()


def test_headline_list_runs_a_fixed_number_of_queries(
    editor_client, make_article, make_headline, django_assert_max_num_queries
):
    for n in range(30):
        make_headline(article=make_article() if n % 2 else None)

    with django_assert_max_num_queries(12):
        response = editor_client.get(reverse("admin:articles_headline_changelist"))

    assert response.status_code == 200


# Tags


def test_tag_changelist_counts_uses_without_extra_queries(editor_client, django_assert_max_num_queries):
    make_articles(60)

    with django_assert_max_num_queries(8):
        response = editor_client.get(reverse("admin:articles_tag_changelist"))

    counts = {tag.name: tag.article_count for tag in response.context["cl"].result_list}
    assert counts == {f"Subject {n}": 24 for n in range(5)}


def test_merging_tags_moves_items_without_duplicates_and_redirects(
    editor_client, make_article, make_headline
):
    survivor = Tag.objects.create(name="Climate", slug="climate")
    others = [
        Tag.objects.create(name=name, slug=slug)
        for name, slug in [("Climate change", "climate-change"), ("Global warming", "global-warming")]
    ]
    both = make_article(tags=[survivor, *others])
    only_old = make_article(tags=[others[0]])
    headline = make_headline(tags=[others[1]])
    TagRedirect.objects.create(old_slug="warming", tag=others[1])
    before = Article.objects.get(pk=only_old.pk).updated_at
    url = reverse("admin:articles_tag_changelist")

    form = action(editor_client, url, "merge", [survivor, *others])
    response = action(editor_client, url, "merge", [survivor, *others], apply="1", survivor=survivor.pk)

    assert 'type="radio"' in form.text
    assert "into Climate" in response.text
    assert list(Tag.objects.values_list("name", flat=True)) == ["Climate"]
    assert TaggedArticle.objects.filter(content_object=both).count() == 1
    assert [tag.name for tag in only_old.tags.all()] == ["Climate"]
    assert [tag.name for tag in headline.tags.all()] == ["Climate"]
    assert TaggedHeadline.objects.count() == 1
    assert dict(TagRedirect.objects.values_list("old_slug", "tag__slug")) == {
        "climate-change": "climate",
        "global-warming": "climate",
        "warming": "climate",
    }
    assert Article.objects.get(pk=only_old.pk).updated_at > before


def test_merge_drops_a_redirect_away_from_the_survivor(make_article):
    survivor = Tag.objects.create(name="Economy", slug="economy")
    other = Tag.objects.create(name="The economy", slug="the-economy")
    TagRedirect.objects.create(old_slug="economy", tag=other)

    merge_tags(survivor, Tag.objects.all())

    assert dict(TagRedirect.objects.values_list("old_slug", "tag__slug")) == {"the-economy": "economy"}


def test_reporter_cannot_merge_tags(reporter_client):
    tags = [Tag.objects.create(name=name, slug=name.lower()) for name in ("One", "Two")]

    response = action(
        reporter_client,
        reverse("admin:articles_tag_changelist"),
        "merge",
        tags,
        apply="1",
        survivor=tags[0].pk,
    )

    assert 'name="action"' not in response.text
    assert Tag.objects.count() == 2
