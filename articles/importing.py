"""Turn plain-text news documents into one Django fixture.

A document is an article body, one paragraph per line, with no title; then two
or more blank lines; then the headline rail, one headline per line. Every
function here depends only on its inputs (the files, the lexicon, the options):
no clock, no database, every list in a stable order, so the same inputs give
byte-identical fixtures on any machine.
"""

import errno
import html
import os
import re
import stat
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder

from .html import sanitize_html
from .models import SLUG_MAX_LENGTH, Article, Headline, Status, Tag, TaggedArticle, TaggedHeadline, ascii_slug

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
MAX_METADATA_BYTES = 64 * 1024
MAX_LINE_CHARS = 10_000
TITLE_MAX_CHARS = 90
HEADLINE_MAX_CHARS = Headline._meta.get_field("text").max_length
ARTICLE_TITLE_MAX_CHARS = Article._meta.get_field("title").max_length

# Characters that hide or reorder text on screen (Trojan Source), break lines
# where an editor sees none, or mark binary junk. Tab and newline are the only
# controls a document may hold; CRLF is read as LF before this check.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)

# Words that end a "sentence" only by looking like it: "U.S. Deputy", "Mr. Park".
ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt", "gov", "sen"),
        *("rep", "rev", "inc", "corp", "co", "ltd", "plc", "no", "vs", "etc"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
    }
)
SENTENCE_END = re.compile("[.!?\u2026]+[\"'\u201d\u2019)\\]]*\\s+")
INITIALISM = re.compile(r"(?:\w\.)+")
WORD = re.compile(r"\w+")

# Where a clause ends: before , ; : a dash or a bracket, or before a word that opens a subordinate clause.
CLAUSE_BREAK = re.compile(
    r"\s*[,;:](?=\s)|\s+[\u2014\u2013-]\s|\s+\("
    r"|\s+(?=(?:that|which|who|whom|whose|where|when|while|after|before|because|although|though"
    r"|since|until|unless|as|but|amid|despite|following)\s)"
)
# Shorter than this, a clause makes a poor title ("In Seoul"): cut at a word instead.
MIN_CLAUSE_CHARS = TITLE_MAX_CHARS // 3
TRAILING_PUNCTUATION = ".,;:!?\u2026-\u2010\u2011\u2012\u2013\u2014\u2015([{\u201c\u2018\u00ab \t"
OPENING_QUOTES = "\"'\u201c\u2018(["
DANGLING_WORDS = frozenset(
    {
        *("a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for", "with", "by"),
        *("from", "as", "that", "which", "who", "its", "their", "his", "her", "into", "over", "about"),
        *("this", "these", "those", "than", "if", "so", "such", "very", "more", "most", "not", "after"),
        *("before", "while", "when", "is", "are", "was", "were", "be", "been", "has", "have", "had"),
        *("will", "would", "could", "should", "can", "may"),
    }
)


class DocumentError(Exception):
    """Why a build cannot go on, in one line that names the file or option at fault."""


@dataclass(frozen=True)
class Line:
    number: int
    text: str


@dataclass(frozen=True)
class Document:
    name: str
    paragraphs: tuple[str, ...]
    headlines: tuple[Line, ...]


@dataclass(frozen=True)
class LexiconTag:
    name: str
    slug: str
    description: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Tags and the words that call them, each term filed under its first word for a quick look-up."""

    tags: tuple[LexiconTag, ...]
    terms_by_word: dict[str, tuple[tuple[re.Pattern, tuple[int, ...]], ...]]

    def tags_in(self, text):
        """The tags whose terms occur in `text`, in lexicon order.

        At each word, the longest term that matches there wins and the scan
        goes on after it, so a word belongs to one term at most.
        """
        found, end = set(), 0
        for word in WORD.finditer(text):
            if word.start() < end:
                continue
            for pattern, indexes in self.terms_by_word.get(word.group().lower(), ()):
                if match := pattern.match(text, word.start()):
                    found.update(indexes)
                    end = match.end()
                    break
        return tuple(self.tags[index] for index in sorted(found))


@dataclass(frozen=True)
class NewArticle:
    title: str
    slug: str
    standfirst: str
    body: str
    published_at: datetime
    tags: tuple[LexiconTag, ...]


@dataclass(frozen=True)
class NewHeadline:
    text: str
    slug: str
    position: int
    published_at: datetime
    tags: tuple[LexiconTag, ...]


@dataclass(frozen=True)
class Build:
    articles: tuple[NewArticle, ...]
    headlines: tuple[NewHeadline, ...]
    tags: tuple[LexiconTag, ...]


def read_text(path, limit=MAX_DOCUMENT_BYTES):
    """The text of the regular file at `path`: UTF-8, BOM stripped, NFC, LF line ends.

    The file is opened without following a symlink and checked as opened, so a
    link or a device swapped in after a check is refused all the same.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise DocumentError(f"{name}: no such file") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise DocumentError(f"{name}: is a symbolic link; name the file itself") from None
        raise DocumentError(f"{name}: cannot open ({error.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DocumentError(f"{name}: not a regular file")
        with open(fd, "rb", closefd=False) as file:
            data = file.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise DocumentError(f"{name}: larger than the {limit:,}-byte limit")
    return decode(data, name)


def decode(data, name):
    """`data` as normalised text, or a DocumentError saying where it stops being plain text."""
    if b"\0" in data:
        raise DocumentError(f"{name}: binary file (NUL byte at offset {data.index(0)})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentError(
            f"{name}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff")).replace("\r\n", "\n")
    refuse_hidden_characters(text, name)
    if not text.strip():
        raise DocumentError(f"{name}: empty file")
    return text


def refuse_hidden_characters(text, name):
    """Raise DocumentError at the first character that could hide or reorder text, saying where."""
    if match := FORBIDDEN.search(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start())
        char = match.group()
        raise DocumentError(
            f"{name}:{line}:{column}: invisible or control character U+{ord(char):04X} "
            f"{unicodedata.name(char, 'CONTROL')} is not allowed; delete it"
        )


def parse_document(text, name):
    """Split a document's text into body paragraphs and headlines, each stripped of surrounding space."""
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARS:
            raise DocumentError(
                f"{name}:{number}: line of {len(line):,} characters; the limit is {MAX_LINE_CHARS:,}"
            )
    content = [index for index, line in enumerate(lines) if line.strip()]
    if not content:
        raise DocumentError(f"{name}: empty file")
    # The separator is the first gap of two or more blank lines; a gap at the very start means no body.
    gaps = pairwise([-1, *content])
    split = next(((before, after) for before, after in gaps if after - before > 2), None)
    if split is None:
        raise DocumentError(
            f"{name}: no headline section (put two blank lines between the body and the headlines)"
        )
    before, after = split
    if before < 0:
        raise DocumentError(
            f"{name}: no body (the document starts with the blank lines before the headlines)"
        )
    paragraphs = tuple(lines[index].strip() for index in content if index <= before)
    headlines = tuple(Line(index + 1, lines[index].strip()) for index in content if index >= after)
    for headline in headlines:
        if len(headline.text) > HEADLINE_MAX_CHARS:
            raise DocumentError(
                f"{name}:{headline.number}: headline of {len(headline.text)} characters; "
                f"the limit is {HEADLINE_MAX_CHARS}"
            )
    return Document(name, paragraphs, headlines)


def lead_sentence(paragraph):
    """The first sentence of `paragraph`, or all of it: "U.S." and "Mr." do not end a sentence."""
    for match in SENTENCE_END.finditer(paragraph):
        following = paragraph[match.end() :].lstrip(OPENING_QUOTES)
        if not following or not (following[0].isupper() or following[0].isdigit()):
            continue
        word = paragraph[: match.end()].split()[-1].lstrip(OPENING_QUOTES)
        if match.group().startswith(".") and (
            INITIALISM.fullmatch(word) or word.rstrip(".").lower() in ABBREVIATIONS
        ):
            continue
        return paragraph[: match.end()].rstrip()
    return paragraph


def derive_title(sentence, limit=TITLE_MAX_CHARS):
    """A title from a lead sentence: its longest opening clause that fits `limit`, else the words that fit.

    Never cut mid-word, never ending on punctuation, nor, when cut, on a
    dangling "of" or "the". Empty when not even the first word fits.
    """
    text = _strip_punctuation(sentence)
    if len(text) <= limit:
        return text
    clauses = [text[: match.start()] for match in CLAUSE_BREAK.finditer(text)]
    fitting = [clause for clause in clauses if MIN_CLAUSE_CHARS <= len(clause) <= limit]
    if fitting:
        return _strip_dangling(fitting[-1])
    words = re.match(rf".{{0,{limit - 1}}}\S(?!\S)", text)
    return _strip_dangling(words.group()) if words else ""


def _strip_punctuation(text):
    """`text` without trailing punctuation, but with the point that ends an initialism ("U.S.")."""
    stripped = text.rstrip(TRAILING_PUNCTUATION)
    last_word = stripped.rpartition(" ")[2] + "."
    if text[len(stripped) :].startswith(".") and INITIALISM.fullmatch(last_word):
        return stripped + "."
    return stripped


def _strip_dangling(text):
    """`text` without the words a cut can leave hanging at its end ("regret over the")."""
    while True:
        text = _strip_punctuation(text)
        head, _, last = text.rpartition(" ")
        if not head or last.lower() not in DANGLING_WORDS:
            return text
        text = head


def load_lexicon(path):
    """The tagging lexicon in the TOML file at `path`, checked and compiled."""
    name = str(path)
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise DocumentError(f"{name}: {error}") from None
    if set(data) != {"tag"} or not isinstance(data["tag"], list):
        raise DocumentError(f"{name}: expected only [[tag]] tables")
    tags = tuple(_lexicon_tag(entry, name) for entry in data["tag"])
    if not tags:
        raise DocumentError(f"{name}: no [[tag]] tables")
    for key in ("name", "slug"):
        counts = Counter(getattr(tag, key).casefold() for tag in tags)
        if repeated := sorted(value for value, count in counts.items() if count > 1):
            raise DocumentError(f"{name}: more than one tag with the {key} {repeated[0]!r}")
    return compile_lexicon(tags)


def _lexicon_tag(entry, name):
    if not isinstance(entry, dict) or not set(entry) <= {"name", "description", "terms"}:
        raise DocumentError(f"{name}: a [[tag]] may have only name, description and terms")
    tag_name, description, terms = entry.get("name"), entry.get("description", ""), entry.get("terms")
    if not isinstance(tag_name, str) or not tag_name.strip() or tag_name != tag_name.strip():
        raise DocumentError(f"{name}: a [[tag]] needs a name without surrounding spaces")
    if not isinstance(description, str):
        raise DocumentError(f"{name}: tag {tag_name!r}: description must be text")
    if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
        raise DocumentError(f"{name}: tag {tag_name!r}: terms must be a list of words or phrases")
    if not all(WORD.match(term) for term in terms):
        raise DocumentError(f"{name}: tag {tag_name!r}: every term must start with a letter or a digit")
    if len(set(terms)) != len(terms):
        raise DocumentError(f"{name}: tag {tag_name!r}: a term is listed twice")
    return LexiconTag(tag_name, Tag(name=tag_name).slugify(tag_name), description.strip(), tuple(terms))


def compile_lexicon(tags):
    """The lexicon ready to search: every term, longest first, under its first word in lower case.

    Terms match whole words only: "AI" is not found in "said", while "Trump"
    is found in "Trump's" (straight or curly). A term written all in lower
    case matches in any case ("visa" finds "Visa"); a term with a capital
    matches exactly as written ("AI", "Seoul", "Apple" but not "apple").
    Longest first means "North Korean" is never read as "Korean".
    """
    tags_by_term = {}
    for index, tag in enumerate(tags):
        for term in tag.terms:
            tags_by_term.setdefault(term, []).append(index)
    terms_by_word = {}
    for term in sorted(tags_by_term, key=lambda term: (-len(term), term)):
        entry = (_term_pattern(term), tuple(tags_by_term[term]))
        terms_by_word.setdefault(WORD.match(term).group().lower(), []).append(entry)
    return Lexicon(tags, {word: tuple(entries) for word, entries in terms_by_word.items()})


def _term_pattern(term):
    """A term's pattern, to be matched where a word starts: whole words, any spacing, smart case."""
    pattern = r"[^\S\n]+".join(re.escape(word) for word in term.split())
    if WORD.fullmatch(term[-1]):
        pattern += r"(?!\w)"
    return re.compile(pattern, 0 if any(char.isupper() for char in term) else re.IGNORECASE)


def parse_published_at(value, name):
    """An aware UTC datetime from an ISO 8601 text or a TOML datetime; a time without an offset is refused."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise DocumentError(
                f"{name}: {value!r} is not an ISO 8601 time such as 2025-09-19T09:00:00Z"
            ) from None
    if not isinstance(value, datetime):
        what = "a date without a time" if isinstance(value, date) else "not a time"
        raise DocumentError(f"{name}: published_at is {what}; write e.g. 2025-09-19T09:00:00Z")
    if value.tzinfo is None:
        raise DocumentError(f"{name}: {value.isoformat()} has no UTC offset; add Z or +HH:MM")
    return value.astimezone(UTC)


def metadata_path(document_path):
    """Where a document's metadata lives: `000_x.txt` → `000_x.meta.toml`, beside it."""
    path = Path(document_path)
    return path.with_name(f"{path.stem}.meta.toml")


def read_published_at(document_path):
    """The publication time in the document's metadata file, or None when it has none."""
    path = metadata_path(document_path)
    if not os.path.lexists(path):
        return None
    name = str(path)
    try:
        data = tomllib.loads(read_text(path, limit=MAX_METADATA_BYTES))
    except tomllib.TOMLDecodeError as error:
        raise DocumentError(f"{name}: {error}") from None
    if set(data) != {"published_at"}:
        raise DocumentError(f"{name}: expected only published_at")
    return parse_published_at(data["published_at"], name)


def clean_title(value, name="--title"):
    """A title given by hand, normalised and checked like document text."""
    title = unicodedata.normalize("NFC", value).strip()
    if not title or "\n" in title:
        raise DocumentError(f"{name}: a title is one line of text")
    refuse_hidden_characters(title, name)
    if len(title) > ARTICLE_TITLE_MAX_CHARS:
        raise DocumentError(f"{name}: {len(title)} characters; the limit is {ARTICLE_TITLE_MAX_CHARS}")
    return title


def body_html(paragraphs):
    """One escaped `<p>` per paragraph, in the form the sanitiser stores, so loading changes nothing."""
    return sanitize_html(
        "\n".join(f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)
    )


def build(paths, lexicon, *, title=None, published_at=None):
    """Articles, headlines and tags from the documents at `paths`, in the order given.

    Headlines are numbered 1..N through all the documents, so the rail shows
    them in document order. A headline that appears twice, in one document or
    in two (compared ignoring case and spacing), is an error: the editor
    decides which one stays. Slugs that collide get -2, -3… in order.
    """
    if title is not None and len(paths) != 1:
        raise DocumentError(f"--title names the title of one document, not {len(paths)}")
    if title is not None:
        title = clean_title(title)
    articles, headlines = [], []
    article_slugs, headline_slugs, first_seen = {}, {}, {}
    for path in paths:
        document = parse_document(read_text(path), str(path))
        when = published_at or read_published_at(path)
        if when is None:
            raise DocumentError(
                f"{path}: no publication time: pass --published-at or write "
                f"published_at in {metadata_path(path).name}"
            )
        standfirst = lead_sentence(document.paragraphs[0])
        article_title = title or derive_title(standfirst)
        if not article_title:
            raise DocumentError(f"{path}: cannot derive a title from the lead sentence; pass --title")
        articles.append(
            NewArticle(
                title=article_title,
                slug=_unique_slug(article_title, article_slugs),
                standfirst=standfirst,
                body=body_html(document.paragraphs),
                published_at=when,
                tags=lexicon.tags_in("\n".join([article_title, *document.paragraphs])),
            )
        )
        for line in document.headlines:
            key = " ".join(line.text.split()).casefold()
            if key in first_seen:
                raise DocumentError(
                    f"{path}:{line.number}: duplicate headline (first at {first_seen[key]}): {line.text}"
                )
            first_seen[key] = f"{path}:{line.number}"
            headlines.append(
                NewHeadline(
                    text=line.text,
                    slug=_unique_slug(line.text, headline_slugs),
                    position=len(headlines) + 1,
                    published_at=when,
                    tags=lexicon.tags_in(line.text),
                )
            )
    used = {tag for item in [*articles, *headlines] for tag in item.tags}
    return Build(tuple(articles), tuple(headlines), tuple(tag for tag in lexicon.tags if tag in used))


def _unique_slug(text, taken):
    """A slug for `text` not yet in `taken`, a repeat getting -2, -3…

    `taken` maps each slug handed out to the last suffix tried on it, so a
    thousand documents with one title cost a thousand steps, not half a million.
    """
    base = ascii_slug(text)
    slug, number = base, taken.get(base, 1)
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = ascii_slug(text, SLUG_MAX_LENGTH - len(suffix)) + suffix
    taken[base] = number
    taken.setdefault(slug, 1)
    return slug


def fixture_objects(result):
    """The build as fixture objects, natural keys and no pk: tags, articles, their tags, headlines, theirs."""

    def published(when):
        return {"status": Status.PUBLISHED, "published_at": when, "created_at": when, "updated_at": when}

    def tagged(model, item):
        return [
            {"model": model._meta.label_lower, "fields": {"content_object": [item.slug], "tag": [tag.slug]}}
            for tag in item.tags
        ]

    objects = [
        {
            "model": Tag._meta.label_lower,
            "fields": {"name": tag.name, "slug": tag.slug, "description": tag.description},
        }
        for tag in result.tags
    ]
    for article in result.articles:
        fields = {
            "title": article.title,
            "slug": article.slug,
            "standfirst": article.standfirst,
            "body": article.body,
            "byline": "",
        }
        objects.append(
            {"model": Article._meta.label_lower, "fields": published(article.published_at) | fields}
        )
    for article in result.articles:
        objects += tagged(TaggedArticle, article)
    for headline in result.headlines:
        fields = {
            "text": headline.text,
            "slug": headline.slug,
            "article": None,
            "url": "",
            "position": headline.position,
            "is_breaking": False,
            "breaking_until": None,
        }
        objects.append(
            {"model": Headline._meta.label_lower, "fields": published(headline.published_at) | fields}
        )
    for headline in result.headlines:
        objects += tagged(TaggedHeadline, headline)
    return objects


def json_chunks(objects):
    """The fixture text in pieces, to be written without ever holding it whole.

    Django's JSON encoding, two-space indents, text kept as written (no \\u
    escapes), and a final newline.
    """
    yield from DjangoJSONEncoder(indent=2, ensure_ascii=False).iterencode(objects)
    yield "\n"


def report(result):
    """What a build would create, for a reader: each article, the headline count, and the tags by use."""
    lines = []
    for article in result.articles:
        lines += [
            f"Article: {article.title}",
            f"  slug: {article.slug}",
            f"  tags: {', '.join(tag.name for tag in article.tags) or '(none)'}",
        ]
    untagged = sum(not headline.tags for headline in result.headlines)
    lines.append(f"Headlines: {len(result.headlines)} ({untagged} without a tag)")
    counts = Counter(tag for item in [*result.articles, *result.headlines] for tag in item.tags)
    lines.append(f"Tags: {len(result.tags)}")
    width = max((len(tag.name) for tag in result.tags), default=0)
    for tag in sorted(result.tags, key=lambda tag: (-counts[tag], tag.name.casefold())):
        lines.append(f"  {tag.name:<{width}}  {counts[tag]}")
    return "\n".join(lines)
