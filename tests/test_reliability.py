"""Nothing lost: re-loads keep editors' work, loads are atomic, exports restore, every change leaves a trace.

The command under test is the project's `loaddata` (articles/management/commands/loaddata.py), the
one staff use. Tests that need a real file database, a size limit or a second database run
`manage.py` in a subprocess against a temporary SQLite file.
"""

import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from admin_forms import submit_admin_form
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.admin import merge_tags
from articles.models import Article, Headline, ImportRecord, Status, Tag

BASE_DIR = Path(settings.BASE_DIR)
SEED = BASE_DIR / "fixtures" / "seed.json"
ITEM_MODELS = [
    "articles.tag",
    "articles.article",
    "articles.headline",
    "articles.taggedarticle",
    "articles.taggedheadline",
]
WHEN = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


# Helpers ------------------------------------------------------------------------------------------


def fixture_rows(n_articles=3, body="<p>The body.</p>", updated_at=WHEN):
    """A fixture in the seed's shape: natural keys, tags and through rows of its own, fixed edit times."""
    stamp = updated_at.isoformat().replace("+00:00", "Z")
    rows = [{"model": "articles.tag", "fields": {"name": "Trade", "slug": "trade", "description": ""}}]
    for n in range(1, n_articles + 1):
        rows.append(
            {
                "model": "articles.article",
                "fields": {
                    "title": f"Story {n}",
                    "slug": f"story-{n}",
                    "standfirst": f"What story {n} is about.",
                    "body": body,
                    "byline": "",
                    "status": "published",
                    "published_at": stamp,
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            }
        )
        rows.append(
            {
                "model": "articles.taggedarticle",
                "fields": {"content_object": [f"story-{n}"], "tag": ["trade"]},
            }
        )
    rows.append(
        {
            "model": "articles.headline",
            "fields": {
                "text": "A headline",
                "slug": "a-headline",
                "article": ["story-1"],
                "url": "",
                "position": 1,
                "is_breaking": False,
                "breaking_until": None,
                "status": "published",
                "published_at": stamp,
                "created_at": stamp,
                "updated_at": stamp,
            },
        }
    )
    return rows


def write_fixture(path, rows):
    path.write_text(json.dumps(rows, indent=1))
    return path


def load(*labels, **options):
    out = io.StringIO()
    call_command("loaddata", *labels, stdout=out, **options)
    return out.getvalue()


def canonical(objects):
    """Objects as comparable text: without surrogate keys, in a fixed order, fields sorted."""
    rows = [{"model": obj["model"], "fields": obj["fields"]} for obj in objects]
    rows.sort(key=lambda row: (row["model"], json.dumps(row["fields"], sort_keys=True)))
    return json.dumps(rows, sort_keys=True, indent=1)


def dump(*models):
    out = io.StringIO()
    call_command("dumpdata", *(models or ITEM_MODELS), natural_foreign=True, natural_primary=True, stdout=out)
    return json.loads(out.getvalue())


def dump_hash():
    """A hash of everything in the database that loading could change."""
    return hashlib.sha256(canonical(dump("articles", "auth", "taggit")).encode()).hexdigest()


def manage(*args, db, limit_kib=None, check=True):
    """Run manage.py against the SQLite file `db`; with `limit_kib`, under `ulimit -f` (a full disk)."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env |= {"DATABASE_URL": f"sqlite:///{db}", "PYTHONDONTWRITEBYTECODE": "1", "DJANGO_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "manage.py", *args]
    if limit_kib is not None:
        command = ["bash", "-c", f'ulimit -f {limit_kib} && exec "$@"', "bash", *command]
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    if check and result.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory):
    """A migrated SQLite file, made once per module; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    manage("migrate", "-v0", db=path)
    return path


@pytest.fixture
def empty_db(migrated_db, tmp_path):
    path = tmp_path / "db.sqlite3"
    path.write_bytes(migrated_db.read_bytes())
    return path


def file_dump_hash(db):
    result = manage("dumpdata", "articles", "auth", "taggit", "--natural-foreign", "--natural-primary", db=db)
    return hashlib.sha256(canonical(json.loads(result.stdout)).encode()).hexdigest()


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.com", "a-long-test-password")
    client.force_login(user)
    client.user = user
    return client


def form_errors(response):
    context = response.context
    errors = [context["adminform"].form.errors] if context and "adminform" in context else []
    errors += [formset.formset.errors for formset in (context or {}).get("inline_admin_formsets", [])]
    return f"{response.status_code}: {errors}"


def edit_in_admin(client, obj, **changes):
    opts = obj._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/change/"
    response = submit_admin_form(client, url, **changes)
    assert response.status_code == 302, form_errors(response)


# Re-loading never clobbers editors' work ----------------------------------------------------------


@pytest.mark.django_db
def test_reload_keeps_an_article_edited_in_the_admin(editor_client, tmp_path):
    fixture = write_fixture(tmp_path / "seed.json", fixture_rows())
    load(fixture)
    article = Article.objects.get(slug="story-1")

    edit_in_admin(editor_client, article, title="Story 1, corrected by the desk")
    output = load(fixture)

    article.refresh_from_db()
    assert article.title == "Story 1, corrected by the desk"
    assert article.tags.filter(slug="trade").exists()
    assert "skipped article 'story-1': edited since import" in output
    assert Article.objects.get(slug="story-2").title == "Story 2"
    record = ImportRecord.objects.first()
    assert record.skipped == 2  # the article and its tag link
    assert "story-1" in record.report


@pytest.mark.django_db
def test_reload_keeps_tags_an_editor_removed(editor_client, tmp_path):
    fixture = write_fixture(tmp_path / "seed.json", fixture_rows())
    load(fixture)
    article = Article.objects.get(slug="story-2")

    edit_in_admin(editor_client, article, tags="")
    load(fixture)

    assert list(Article.objects.get(slug="story-2").tags.all()) == []


@pytest.mark.django_db
def test_reload_keeps_a_headline_edited_in_the_admin(editor_client, tmp_path):
    fixture = write_fixture(tmp_path / "seed.json", fixture_rows())
    load(fixture)

    edit_in_admin(editor_client, Headline.objects.get(slug="a-headline"), text="A better headline")
    output = load(fixture)

    assert Headline.objects.get(slug="a-headline").text == "A better headline"
    assert "skipped headline 'a-headline'" in output


@pytest.mark.django_db
def test_reload_of_the_seed_keeps_the_edited_seed_article(editor_client):
    if not SEED.exists():
        pytest.skip("fixtures/seed.json is not built yet")
    load("seed")
    article = Article.objects.order_by("pk").first()

    edit_in_admin(editor_client, article, standfirst="Rewritten by the desk.")
    output = load("seed")

    article.refresh_from_db()
    assert article.standfirst == "Rewritten by the desk."
    assert f"skipped article '{article.slug}': edited since import" in output


@pytest.mark.django_db
def test_reload_never_brings_back_a_tag_an_editor_merged_away(tmp_path):
    fixture = write_fixture(tmp_path / "seed.json", fixture_rows())
    load(fixture)
    commerce = Tag.objects.create(name="Commerce", slug="commerce")
    merge_tags(commerce, Tag.objects.filter(slug__in=["trade", "commerce"]))
    later = fixture_rows(n_articles=4)[-3:-1]  # a new story the desk never saw, still tagged "trade"

    output = load(fixture)
    load(write_fixture(tmp_path / "later.json", fixture_rows()[:1] + later))

    assert not Tag.objects.filter(slug="trade").exists()
    assert "skipped tag 'trade': merged into 'commerce'" in output
    assert [tag.slug for tag in Article.objects.get(slug="story-4").tags.all()] == ["commerce"]
    assert Article.objects.get(slug="story-1").tags.get().slug == "commerce"


@pytest.mark.django_db
def test_reload_of_unchanged_content_changes_nothing(tmp_path):
    fixture = write_fixture(tmp_path / "seed.json", fixture_rows())
    load(fixture)
    before = dump()

    output = load(fixture)

    assert dump() == before
    record = ImportRecord.objects.first()
    assert (record.created, record.updated, record.skipped) == (0, 0, 0)
    assert record.unchanged == len(fixture_rows())
    assert "skipped" not in output.splitlines()[0]


@pytest.mark.django_db
def test_a_changed_fixture_updates_rows_nobody_edited(tmp_path):
    load(write_fixture(tmp_path / "v1.json", fixture_rows()))
    rows = fixture_rows(updated_at=WHEN + timedelta(days=1))
    rows[1]["fields"]["title"] = "Story 1, as re-imported"

    load(write_fixture(tmp_path / "v2.json", rows))

    assert Article.objects.get(slug="story-1").title == "Story 1, as re-imported"
    record = ImportRecord.objects.first()
    assert record.skipped == 0
    assert record.updated >= 1


@pytest.mark.django_db
def test_a_fixture_primary_key_never_overwrites_another_item(make_article, tmp_path):
    mine = make_article(title="Written in the newsroom", slug="newsroom-story")
    rows = fixture_rows(n_articles=1)
    rows[1]["pk"] = mine.pk

    load(write_fixture(tmp_path / "seed.json", rows))

    assert Article.objects.get(slug="newsroom-story").title == "Written in the newsroom"
    assert Article.objects.get(slug="story-1").pk != mine.pk


# Audit and history --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_import_leaves_an_audit_record(tmp_path):
    fixture = write_fixture(tmp_path / "seed.json", fixture_rows())

    output = load(fixture, user="night-editor")

    record = ImportRecord.objects.get()
    assert record.user == "night-editor"
    assert record.fixtures == str(fixture)
    assert record.created == len(fixture_rows())
    assert abs((record.imported_at - datetime.now(UTC)).total_seconds()) < 60
    assert f"Import recorded (#{record.pk}) for night-editor" in output


@pytest.mark.django_db
def test_staff_read_the_import_trail_in_the_admin_and_cannot_change_it(editor_client, tmp_path):
    load(write_fixture(tmp_path / "seed.json", fixture_rows()), user="night-editor")
    record = ImportRecord.objects.get()

    listing = editor_client.get("/admin/articles/importrecord/")
    detail = editor_client.get(f"/admin/articles/importrecord/{record.pk}/change/")

    assert listing.status_code == 200
    assert "night-editor" in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert editor_client.get("/admin/articles/importrecord/add/").status_code == 403
    assert (
        editor_client.post(f"/admin/articles/importrecord/{record.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert ImportRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.django_db
def test_every_admin_change_leaves_one_history_record_with_its_user(
    editor_client, make_article, make_headline
):
    article = make_article(tags=["Trade"])
    headline = make_headline()
    before = (article.history.count(), headline.history.count())

    edit_in_admin(editor_client, article, title="New title", tags="Trade, Energy")
    edit_in_admin(editor_client, headline, text="New text")

    assert (article.history.count(), headline.history.count()) == (before[0] + 1, before[1] + 1)
    assert article.history.first().history_user == editor_client.user
    assert article.history.first().title == "New title"
    assert headline.history.first().history_user == editor_client.user


@pytest.mark.django_db
def test_each_item_an_admin_action_publishes_gets_one_history_record(editor_client, make_article):
    drafts = [make_article(status=Status.DRAFT, published_at=None) for _ in range(3)]
    before = [draft.history.count() for draft in drafts]

    response = editor_client.post(
        "/admin/articles/article/",
        {"action": "publish_now", "_selected_action": [draft.pk for draft in drafts], "index": "0"},
    )

    assert response.status_code == 302
    for draft, count in zip(drafts, before, strict=True):
        draft.refresh_from_db()
        assert draft.is_published
        assert draft.history.count() == count + 1
        assert draft.history.first().history_user == editor_client.user


@pytest.mark.django_db
def test_an_admin_addition_leaves_one_history_record(editor_client):
    response = submit_admin_form(
        editor_client,
        "/admin/articles/article/add/",
        title="Added in the admin",
        slug="added-in-the-admin",
        standfirst="A summary.",
        body="<p>Body.</p>",
        status=Status.DRAFT,
    )
    assert response.status_code == 302, form_errors(response)

    article = Article.objects.get(slug="added-in-the-admin")
    assert article.history.count() == 1
    assert article.history.get().history_user == editor_client.user


# Atomic loads -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_last_object_leaves_the_database_as_it_was(tmp_path):
    load(write_fixture(tmp_path / "seed.json", fixture_rows()))
    before = dump_hash()
    rows = fixture_rows(n_articles=5, updated_at=WHEN + timedelta(days=1))
    rows.append(
        {"model": "articles.article", "fields": {**rows[1]["fields"], "slug": "bad", "status": "bogus"}}
    )

    with pytest.raises(CommandError) as error:
        load(write_fixture(tmp_path / "bad.json", rows))

    assert dump_hash() == before
    assert "\n" not in str(error.value)
    assert "article 'bad': status" in str(error.value)


def test_a_bad_fixture_fails_with_one_line_and_exit_status_1(empty_db, tmp_path):
    manage("loaddata", write_fixture(tmp_path / "seed.json", fixture_rows()), db=empty_db)
    before = file_dump_hash(empty_db)
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps(fixture_rows(n_articles=4))[:-200])

    result = manage("loaddata", truncated, db=empty_db, check=False)

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("CommandError: Nothing was loaded: Problem installing fixture")
    assert "Expecting" in result.stderr or "Unterminated" in result.stderr  # the JSON parser's reason
    assert file_dump_hash(empty_db) == before


def test_a_full_disk_mid_load_leaves_the_database_as_it_was(empty_db, tmp_path):
    manage("loaddata", write_fixture(tmp_path / "seed.json", fixture_rows()), db=empty_db)
    before = file_dump_hash(empty_db)
    big = write_fixture(
        tmp_path / "big.json",
        fixture_rows(n_articles=600, body="<p>" + "x" * 4000 + "</p>", updated_at=WHEN + timedelta(days=1)),
    )
    wal_limit_kib = 256  # far less than the 2.4 MB this load writes

    result = manage("loaddata", big, db=empty_db, limit_kib=wal_limit_kib, check=False)

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "disk is full" in result.stderr or "disk I/O error" in result.stderr
    connection = sqlite3.connect(empty_db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    assert file_dump_hash(empty_db) == before


# Round trips --------------------------------------------------------------------------------------


def document_counts(document):
    """Paragraphs and headlines as a reader of the document counts them: blocks split by the first
    gap of two blank lines, one headline a line."""
    text = document.read_text(encoding="utf-8-sig").replace("\r\n", "\n").strip("\n")
    body, _gap, rail = re.split(r"(\n[ \t]*){3,}", text, maxsplit=1)
    return {
        "paragraphs": sum(1 for line in body.split("\n") if line.strip()),
        "headlines": sum(1 for line in rail.split("\n") if line.strip()),
    }


@pytest.mark.django_db
def test_build_fixture_load_and_export_give_back_the_same_content(tmp_path):
    documents = sorted((BASE_DIR / "fixtures" / "source").glob("*.txt"))
    assert documents, "no source documents"
    fixture = tmp_path / "built.json"
    call_command("build_fixture", *map(str, documents), "--output", str(fixture), stdout=io.StringIO())
    built = json.loads(fixture.read_text(encoding="utf-8"))

    load(fixture)
    exported = dump()

    assert canonical(exported) == canonical(built)
    in_fixture = {model: sum(1 for obj in built if obj["model"] == model) for model in ITEM_MODELS}
    assert {
        model: len([obj for obj in exported if obj["model"] == model]) for model in ITEM_MODELS
    } == in_fixture
    counts = [document_counts(document) for document in documents]
    assert Article.objects.count() == len(documents)
    assert Headline.objects.count() == sum(count["headlines"] for count in counts)
    paragraphs = sum(article.body.count("<p>") for article in Article.objects.all())
    assert paragraphs == sum(count["paragraphs"] for count in counts)


def test_export_everything_and_restore_into_an_empty_database(empty_db, migrated_db, tmp_path):
    manage("loaddata", write_fixture(tmp_path / "seed.json", fixture_rows()), db=empty_db)
    manage(
        "shell",
        "-c",
        "from articles.models import Article; a = Article.objects.get(slug='story-1'); "
        "a.title = 'Edited'; a.save(); a.corrections.create(text='A correction.')",
        db=empty_db,
    )
    export = tmp_path / "everything.json"
    manage(
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        "--exclude=sessions",
        f"--output={export}",
        db=empty_db,
    )
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes(migrated_db.read_bytes())

    manage("loaddata", export, db=restored)

    def everything(db):
        args = [
            "--natural-foreign",
            "--natural-primary",
            "--exclude=contenttypes",
            "--exclude=auth.permission",
        ]
        objects = json.loads(manage("dumpdata", *args, "--exclude=articles.importrecord", db=db).stdout)
        return canonical(objects)

    assert everything(restored) == everything(empty_db)
    assert "Edited" in everything(restored)
    assert "A correction." in everything(restored)
