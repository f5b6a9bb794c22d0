"""The document-to-fixture builder: the format, the title, the tags, determinism and every refusal."""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from articles import importing

ROOT = Path(settings.BASE_DIR)
SEED = ROOT / "fixtures" / "source" / "000_4972f22f92c2959a.txt"
SEED_FIXTURE = ROOT / "fixtures" / "seed.json"
LEXICON = ROOT / "fixtures" / "lexicon.toml"
VISA_HEADLINE = "California, 18 States Sue to Block Trump\u2019s $100,000 H-1B Visa Fee"
STOP_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "in",
    "it",
    "of",
    "on",
    "or",
    "said",
    "the",
    "to",
    "with",
}


@pytest.fixture(scope="module")
def lexicon():
    return importing.load_lexicon(LEXICON)


@pytest.fixture(scope="module")
def seed(lexicon):
    return importing.build([SEED], lexicon)


def write_document(
    directory, name="doc.txt", body=("A body paragraph.",), headlines=("A headline",), meta=True
):
    """A document in the seed format, with a metadata file beside it unless `meta` is false."""
    path = directory / name
    path.write_text("\n".join(body) + "\n\n\n" + "\n".join(headlines) + "\n", encoding="utf-8")
    if meta:
        importing.metadata_path(path).write_text("published_at = 2025-09-19T09:00:00Z\n")
    return path


def build_file(*paths, **options):
    """Run the command as an editor would and return what it wrote."""
    output = paths[0].parent / "out.json"
    call_command("build_fixture", *map(str, paths), output=str(output), stdout=io.StringIO(), **options)
    return output.read_text(encoding="utf-8")


# The format


def test_parse_document_splits_body_from_headlines_at_two_blank_lines():
    text = "First paragraph.\n\nSecond paragraph.  \n\n\n  One headline \n\nTwo headline\n\n\n"
    document = importing.parse_document(text, "doc.txt")
    assert document.paragraphs == ("First paragraph.", "Second paragraph.")
    assert document.headlines == (importing.Line(6, "One headline"), importing.Line(8, "Two headline"))


def test_seed_document_has_six_paragraphs_and_seventeen_headlines(seed):
    assert len(seed.articles) == 1
    assert seed.articles[0].body.count("<p>") == 6
    assert [headline.position for headline in seed.headlines] == list(range(1, 18))
    assert seed.headlines[0].text.startswith("United Airlines Flight to Tokyo")
    assert seed.headlines[-1].text.endswith("A$13.5 Million Bonus Dispute")


def test_lead_sentence_is_not_ended_by_abbreviations():
    paragraph = "Mr. Park met the U.S. Deputy Secretary in Seoul. They talked. Then they left."
    assert importing.lead_sentence(paragraph) == "Mr. Park met the U.S. Deputy Secretary in Seoul."
    assert importing.lead_sentence("No full stop here") == "No full stop here"


def test_seed_title_is_the_lead_sentence_cut_at_a_clause(seed):
    article = seed.articles[0]
    assert (
        article.title == "A top U.S. diplomat has expressed regret over a recent immigration raid in Georgia"
    )
    assert article.slug == "a-top-us-diplomat-has-expressed-regret-over-a-recent-immigration-raid-in-georgia"
    assert article.standfirst.startswith(article.title + " that detained hundreds of South Korean workers,")
    assert article.standfirst.endswith("U.S.-South Korea relations.")


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials in the capital said on Tuesday that the long-delayed bridge across the river would "
        "open next spring.",
        "Shares of the world's largest contract chipmaker surged in early trading on Monday after results "
        "beat forecasts.",
        "Supercalifragilistic words keep going and going without a single comma anywhere in this very "
        "long sentence at all.",
        "In Seoul, the foreign ministry said a delegation of officials would travel to Washington for "
        "further consultations.",
    ],
)
def test_derived_title_fits_and_never_cuts_a_word_or_ends_on_punctuation(sentence):
    title = importing.derive_title(sentence)
    assert 30 <= len(title) <= 90
    assert sentence.startswith(title)
    assert not sentence[len(title)].isalnum()
    assert title[-1].isalnum()
    assert title.rsplit(" ", 1)[1] not in STOP_WORDS


def test_derived_title_keeps_a_short_sentence_whole():
    assert importing.derive_title("Prices rose in the U.S.") == "Prices rose in the U.S."
    assert importing.derive_title("Talks are over!") == "Talks are over"
    assert importing.derive_title("x" * 95 + " rest") == ""


# Text kept exactly


def test_body_is_one_escaped_paragraph_per_line_with_the_text_unchanged():
    body = importing.body_html(["Landau\u2019s visit cost $450 & more <b>", "A$13.5 Million"])
    assert body == "<p>Landau\u2019s visit cost $450 &amp; more &lt;b&gt;</p>\n<p>A$13.5 Million</p>"


def test_seed_fixture_keeps_curly_apostrophes_and_dollar_amounts_as_written():
    text = SEED_FIXTURE.read_text(encoding="utf-8")
    assert "Park described Landau\u2019s visit as timely" in text
    assert "Mizuho Raises Broadcom Price Target to $450 on Surging AI Chip Demand" in text
    assert "Sues Over A$13.5 Million Bonus Dispute" in text
    assert "\\u2019" not in text


def test_text_is_normalised_to_nfc_and_a_bom_and_crlf_are_dropped(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes("\ufeffCafe\u0301 owners sue.\r\n\r\n\r\nCafe\u0301 headline\r\n".encode())
    document = importing.parse_document(importing.read_text(path), str(path))
    assert document.paragraphs == ("Café owners sue.",)
    assert document.headlines[0].text == "Café headline"


# Tags


def test_lexicon_terms_match_whole_words_longest_first_in_smart_case(lexicon):
    def names(text):
        return {tag.name for tag in lexicon.tags_in(text)}

    assert "AI" not in names("He said it was fair")
    assert "AI" in names("AI-driven demand") and "AI" not in names("Ai Weiwei")
    assert "South Korea" in names("hundreds of South Korean workers")
    assert "South Korea" in names("talks in Seoul")
    assert names("a North Korean missile") == {"North Korea"}
    assert "Trump administration" in names("Trump\u2019s visa fee")
    assert "Visas" in names("H-1B Visa Fee") and "Visas" in names("business visas")
    assert "Technology" not in names("an apple a day")
    assert "Australia" in names("a A$13.5 Million bonus")
    assert "Mining" not in names("Goldman Sachs")


def test_seed_article_gets_relevant_tags(seed):
    names = {tag.name for tag in seed.articles[0].tags}
    assert {
        "South Korea",
        "United States",
        "Immigration",
        "Visas",
        "Diplomacy",
        "Hyundai",
        "Batteries",
    } <= names


def test_every_seed_headline_gets_a_tag_and_the_visa_story_shares_one(seed):
    assert all(headline.tags for headline in seed.headlines)
    visa = next(headline for headline in seed.headlines if headline.text == VISA_HEADLINE)
    assert {"Immigration", "Visas"} <= {tag.name for tag in set(visa.tags) & set(seed.articles[0].tags)}


def test_seed_tags_are_whole_lexicon_entries_with_descriptions_and_no_stop_words(seed, lexicon):
    assert set(seed.tags) <= set(lexicon.tags)
    for tag in seed.tags:
        assert tag.name.casefold() not in STOP_WORDS
        assert len(tag.name) >= 2 and tag.description
        assert tag.slug == tag.name.lower().replace(" ", "-")


def test_lexicon_with_a_repeated_tag_name_is_refused(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text('[[tag]]\nname = "AI"\nterms = ["AI"]\n\n[[tag]]\nname = "ai"\nterms = ["ai"]\n')
    with pytest.raises(importing.DocumentError, match="more than one tag with the name 'ai'"):
        importing.load_lexicon(path)


# The fixture and determinism


def test_rebuilding_the_seed_gives_the_committed_bytes(tmp_path):
    """fixtures/seed.json is exactly the output of, from the repository root:

    python manage.py build_fixture fixtures/source/000_4972f22f92c2959a.txt --output fixtures/seed.json
    """
    output = tmp_path / "seed.json"
    call_command("build_fixture", str(SEED), output=str(output), stdout=io.StringIO())
    assert output.read_bytes() == SEED_FIXTURE.read_bytes()


def test_build_does_not_depend_on_where_the_document_lives(tmp_path):
    copy = tmp_path / SEED.name
    shutil.copy(SEED, copy)
    shutil.copy(importing.metadata_path(SEED), importing.metadata_path(copy))
    assert build_file(copy).encode() == SEED_FIXTURE.read_bytes()


def test_fixture_uses_natural_keys_in_load_order():
    objects = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    models = [obj["model"] for obj in objects]
    order = ["articles.tag", "articles.article", "articles.taggedarticle", "articles.headline"]
    order.append("articles.taggedheadline")
    assert sorted(models, key=order.index) == models
    assert all("pk" not in obj for obj in objects)
    headlines = [obj["fields"] for obj in objects if obj["model"] == "articles.headline"]
    assert [headline["position"] for headline in headlines] == list(range(1, 18))
    assert {headline["published_at"] for headline in headlines} == {"2025-09-19T09:00:00Z"}


def test_published_at_option_overrides_the_metadata_file(tmp_path):
    path = write_document(tmp_path)
    fixture = json.loads(build_file(path, published_at="2025-01-02T03:04:05+01:00"))
    assert {obj["fields"]["published_at"] for obj in fixture if "published_at" in obj["fields"]} == {
        "2025-01-02T02:04:05Z"
    }


def test_title_option_overrides_the_derived_title(tmp_path):
    path = write_document(tmp_path)
    article = next(
        obj
        for obj in json.loads(build_file(path, title="Hand Written"))
        if obj["model"] == "articles.article"
    )
    assert (article["fields"]["title"], article["fields"]["slug"]) == ("Hand Written", "hand-written")


def test_several_documents_keep_their_order_and_get_distinct_slugs(tmp_path):
    paths = [
        write_document(tmp_path, "a.txt", headlines=["One", "Two", "Two 2"]),
        write_document(tmp_path, "b.txt", headlines=["Three", "Two!"]),
        write_document(tmp_path, "c.txt", headlines=["Two?"]),
    ]
    objects = json.loads(build_file(*paths))
    articles = [obj["fields"]["slug"] for obj in objects if obj["model"] == "articles.article"]
    headlines = [
        (h["fields"]["text"], h["fields"]["slug"], h["fields"]["position"])
        for h in objects
        if h["model"] == "articles.headline"
    ]
    assert articles == ["a-body-paragraph", "a-body-paragraph-2", "a-body-paragraph-3"]
    assert headlines == [
        ("One", "one", 1),
        ("Two", "two", 2),
        ("Two 2", "two-2", 3),
        ("Three", "three", 4),
        ("Two!", "two-3", 5),
        ("Two?", "two-4", 6),
    ]


def test_check_prints_the_plan_and_writes_nothing(tmp_path, capsys):
    output = tmp_path / "seed.json"
    call_command("build_fixture", str(SEED), output=str(output), check=True)
    printed = capsys.readouterr().out
    assert "Article: A top U.S. diplomat has expressed regret" in printed
    assert "slug: a-top-us-diplomat-has-expressed-regret-over-a-recent-immigration-raid-in-georgia" in printed
    assert "Headlines: 17 (0 without a tag)" in printed
    assert "  AI " in printed and "Nothing written" in printed
    assert list(tmp_path.iterdir()) == []


# Refusals: one clear line, nothing written


def make_bad_input(kind, directory):
    """A document (or option) that the builder must refuse, and the message it must give."""
    if kind == "missing":
        return directory / "nope.txt", {}, "no such file"
    if kind == "duplicate headline":
        path = write_document(directory, headlines=["Markets Rally", "Other", "markets  rally"])
        return path, {}, r"doc.txt:6: duplicate headline \(first at .*doc.txt:4\): markets  rally"
    if kind == "over-long headline":
        return write_document(directory, headlines=["x" * 301]), {}, "doc.txt:4: headline of 301 characters"
    if kind == "over-long line":
        return write_document(directory, body=["word " * 2001]), {}, "doc.txt:1: line of 10,005 characters"
    if kind == "no publication time":
        return write_document(directory, meta=False), {}, "no publication time"
    if kind == "naive --published-at":
        return write_document(directory), {"published_at": "2025-09-19T09:00"}, "has no UTC offset"
    if kind == "--title for two documents":
        return write_document(directory), {"title": "T"}, "one document"
    path = directory / "doc.txt"
    importing.metadata_path(path).write_text("published_at = 2025-09-19T09:00:00Z\n")
    if kind == "symlink":
        path.symlink_to(SEED)
        return path, {}, "is a symbolic link"
    if kind == "directory":
        path.mkdir()
        return path, {}, "not a regular file"
    if kind == "fifo":
        os.mkfifo(path)
        return path, {}, "not a regular file"
    contents = {
        "empty": (b"", "empty file"),
        "blank": (b" \n\n\t\n", "empty file"),
        "binary": (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", r"binary file \(NUL byte at offset 8\)"),
        "not utf-8": (
            "Caf\xe9 body\n\n\nHeadline\n".encode("latin-1"),
            r"not UTF-8 text \(byte 0xe9 at offset 3\)",
        ),
        "no body": (b"\n\n\nHeadline one\nHeadline two\n", "no body"),
        "no headlines": (b"Body one.\nBody two.\n\n\n", "no headline section"),
        "single blank line": (b"Body.\n\nHeadline\n", "no headline section"),
        "over size limit": (b"Body.\n\n\n" + b"Headline\n" * 240_000, "larger than the 2,097,152-byte limit"),
        "bidi override": (
            "Body \u202eevil.\n\n\nHeadline\n".encode(),
            "doc.txt:1:6: .*U\\+202E RIGHT-TO-LEFT OVERRIDE",
        ),
        "zero-width space": (
            "Body.\n\n\nHead\u200bline\n".encode(),
            "doc.txt:4:5: .*U\\+200B ZERO WIDTH SPACE",
        ),
        "lone CR": (b"Body.\r\r\rHeadline\n", "U\\+000D CONTROL"),
    }
    data, message = contents[kind]
    path.write_bytes(data)
    return path, {}, message


BAD_INPUTS = [
    "missing", "empty", "blank", "binary", "not utf-8", "no body", "no headlines", "single blank line",
    "over-long line", "over-long headline", "over size limit", "duplicate headline", "symlink", "directory",
    "fifo", "bidi override", "zero-width space", "lone CR", "no publication time", "naive --published-at",
    "--title for two documents",
]  # fmt: skip


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_bad_input_is_refused_with_one_line_and_no_output(kind, tmp_path):
    path, options, message = make_bad_input(kind, tmp_path)
    documents = [path, SEED] if kind == "--title for two documents" else [path]
    output = tmp_path / "out" / "fixture.json"
    output.parent.mkdir()
    output.write_text("the previous fixture\n")
    with pytest.raises(CommandError, match=message) as raised:
        call_command("build_fixture", *map(str, documents), output=str(output), **options)
    assert "\n" not in str(raised.value)
    assert output.read_text() == "the previous fixture\n"
    assert list(output.parent.iterdir()) == [output]


def test_a_headline_repeated_in_another_document_is_rejected_too(tmp_path):
    first = write_document(tmp_path, "a.txt", headlines=["Markets Rally"])
    second = write_document(tmp_path, "b.txt", headlines=["Other", "Markets Rally"])
    with pytest.raises(CommandError, match=r"b\.txt:5: duplicate headline \(first at .*a\.txt:4\)"):
        build_file(first, second)
    assert not (tmp_path / "out.json").exists()


def test_output_is_required_unless_checking(tmp_path):
    with pytest.raises(CommandError, match="--output PATH is required"):
        call_command("build_fixture", str(write_document(tmp_path)))


def test_output_in_a_missing_directory_is_one_clear_line(tmp_path):
    with pytest.raises(CommandError, match=r"missing/fixture\.json: cannot write"):
        call_command(
            "build_fixture", str(write_document(tmp_path)), output=str(tmp_path / "missing" / "fixture.json")
        )


def test_output_that_names_an_input_is_refused(tmp_path):
    path = write_document(tmp_path)
    with pytest.raises(CommandError, match="is an input"):
        call_command("build_fixture", str(path), output=str(path))


@pytest.mark.parametrize("kind", ["missing", "binary", "duplicate headline"])
def test_command_exits_1_with_one_stderr_line_and_no_traceback(kind, tmp_path):
    path, _, _ = make_bad_input(kind, tmp_path)
    output = tmp_path / "fixture.json"
    finished = subprocess.run(
        [sys.executable, "manage.py", "build_fixture", str(path), "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 1
    assert finished.stderr.startswith("CommandError: ")
    assert finished.stderr.count("\n") == 1
    assert "Traceback" not in finished.stderr
    assert not output.exists()
