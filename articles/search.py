"""Reader search over articles and headlines, behind one small interface.

`search(query, page)` returns a `Results`, a lazy sequence that a `Paginator`
pages: the page asked for and the count come in one query, and a slice holds
`Hit`s, each with its item, a rank and a title and snippet already escaped,
with the matched words wrapped in `<mark>`. Only published items are ever found.

The backend follows the database (`BACKENDS`, keyed by `connection.vendor`):
`SQLiteBackend` queries the FTS5 table of migration 0003, `PostgreSQLBackend`
the weighted search vectors of migration 0004. Each implements the same two
methods, `count(terms)` and `hits(terms, start, stop)`, which returns the
slice's hits and the number of all matches.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Article, Headline, Status
from .rows import ITEM_COLUMNS, LINKED_ARTICLE, item_loader

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
MARK_START, MARK_END = "\x02", "\x03"
MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)


def terms_of(query):
    """The words of a reader's query, at most `MAX_TERMS`; punctuation and operators are dropped."""
    return re.findall(r"\w+", query[:MAX_QUERY_LENGTH])[:MAX_TERMS]


def highlight(text):
    """Escape `text` from the index, then turn the backend's match markers into `<mark>` elements."""
    marked = MARKED.sub(r"<mark>\1</mark>", escape(text))
    return mark_safe(marked.replace(MARK_START, "").replace(MARK_END, ""))


@dataclass(frozen=True)
class Hit:
    kind: str  # "article" or "headline"
    object: Article | Headline
    rank: float
    title: str  # safe HTML
    snippet: str  # safe HTML


def hits_of(rows):
    """The `Hit`s of rows of (kind, rank, title, snippet, total, item columns), kind 0 an article and 1
    a headline, and the total number of matches (None for no rows: a slice past the end)."""
    load_item = item_loader()
    hits, total = [], None
    for kind, rank, title, snippet, row_total, columns in rows:
        total = row_total
        hits.append(
            Hit(
                kind="headline" if kind else "article",
                object=load_item(kind, columns),
                rank=rank,
                title=title,
                snippet=snippet,
            )
        )
    return hits, total


class SQLiteBackend:
    """FTS5 with bm25 ranking; a title match weighs five times a match in the text."""

    # An article's rowid is 2 * id, a headline's 2 * id + 1 (see migration 0003).
    SOURCES = """
        FROM articles_search AS s
        LEFT JOIN articles_article AS a ON (s.rowid & 1) = 0 AND a.id = s.rowid / 2
        LEFT JOIN articles_headline AS h ON (s.rowid & 1) = 1 AND h.id = s.rowid / 2
    """
    CONDITIONS = """
        WHERE articles_search MATCH %s
          AND ((a.status = %s AND a.published_at <= %s) OR (h.status = %s AND h.published_at <= %s))
    """
    MATCHES = SOURCES + CONDITIONS

    def _params(self, terms):
        match = " ".join('"{}"'.format(term.replace('"', '""')) for term in terms)
        now = timezone.now()
        return [match, Status.PUBLISHED, now, Status.PUBLISHED, now]

    def count(self, terms):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) " + self.MATCHES, self._params(terms))
            return cursor.fetchone()[0]

    def hits(self, terms, start, stop):
        params = self._params(terms)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT s.rowid, bm25(articles_search, 5.0, 1.0) AS rank,
                           highlight(articles_search, 0, %s, %s),
                           snippet(articles_search, 1, %s, %s, '…', 30),
                           (SELECT count(*) {self.MATCHES}),
                           {ITEM_COLUMNS}
                    {self.SOURCES} {LINKED_ARTICLE} {self.CONDITIONS} ORDER BY rank LIMIT %s OFFSET %s""",
                # FTS5 refuses a window function beside bm25(): the count is a subquery.
                [MARK_START, MARK_END, MARK_START, MARK_END, *params, *params, stop - start, start],
            )
            rows = cursor.fetchall()
        # bm25() is negative, better matches more so; readers' rank is the other way up.
        return hits_of(
            (rowid % 2, -rank, highlight(title), highlight(snippet), total, columns)
            for rowid, rank, title, snippet, total, *columns in rows
        )


class PostgreSQLBackend:
    """PostgreSQL full-text search over the weighted vectors of migration 0004.

    Each term is quoted for `websearch_to_tsquery`, so every word is required
    and none is read as an operator, as in the SQLite backend. `ts_rank` with
    weights title A (1.0), standfirst B (0.4), body C (0.2) puts a title match
    at five times a body match, and is divided by 1 + log(length) as bm25 is.
    The query is written out in each condition, not taken from a CTE, so that
    the planner sees a constant and picks the GIN index.
    """

    QUERY = "websearch_to_tsquery('newsroom_search'::regconfig, %(query)s)"
    # ts_headline's cost grows with the text it reads (0.7 ms for a 3,000-character
    # story), and stripping the markup of a whole body cost 5 ms a page: the snippet
    # is drawn from the standfirst and the plain text of the body's opening, where a
    # tag or an entity cut in two at the end is dropped too.
    OPENING = (
        "replace(replace(replace(replace(replace("
        "regexp_replace(regexp_replace(left(a.body, 2000), '<[^>]*(>|$)', ' ', 'g'), '&[#a-z0-9]*$', ''),"
        " '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), '&amp;', '&')"
    )
    SNIPPET_SOURCE = f"a.standfirst || ' ' || {OPENING}"
    MATCHES = f"""
        SELECT 0 AS kind, a.id, ts_rank(a.search_vector, {QUERY}, 1) AS rank, a.published_at
          FROM articles_article AS a
         WHERE a.search_vector @@ {QUERY} AND a.status = %(published)s AND a.published_at <= %(now)s
        UNION ALL
        SELECT 1, h.id, ts_rank(h.search_vector, {QUERY}, 1), h.published_at
          FROM articles_headline AS h
         WHERE h.search_vector @@ {QUERY} AND h.status = %(published)s AND h.published_at <= %(now)s
    """
    MARKS = f"StartSel={MARK_START}, StopSel={MARK_END}"

    @staticmethod
    def literal(expression):
        """`expression` with `<` as U+0001, or `ts_headline` takes text like `<script>` for a tag."""
        return f"replace({expression}, '<', chr(1))"

    def _params(self, terms):
        query = " ".join('"{}"'.format(term.replace('"', "")) for term in terms)
        return {"query": query, "published": Status.PUBLISHED, "now": timezone.now()}

    def count(self, terms):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({self.MATCHES}) AS m", self._params(terms))
            return cursor.fetchone()[0]

    def hits(self, terms, start, stop):
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH page AS (SELECT *, count(*) OVER () AS total FROM ({self.MATCHES}) AS m
                                  ORDER BY rank DESC, published_at DESC, kind, id
                                  LIMIT %(limit)s OFFSET %(offset)s)
                    SELECT page.kind, page.id, page.rank,
                           ts_headline('newsroom_search', {self.literal("coalesce(a.title, h.text)")},
                                       {self.QUERY}, %(title_options)s),
                           CASE WHEN page.kind = 0
                                THEN ts_headline('newsroom_search',
                                                 {self.literal(self.SNIPPET_SOURCE)},
                                                 {self.QUERY}, %(snippet_options)s)
                                ELSE '' END,
                           page.total,
                           {ITEM_COLUMNS}
                      FROM page
                      LEFT JOIN articles_article AS a ON page.kind = 0 AND a.id = page.id
                      LEFT JOIN articles_headline AS h ON page.kind = 1 AND h.id = page.id
                      {LINKED_ARTICLE}
                     ORDER BY page.rank DESC, page.published_at DESC, page.kind, page.id""",
                self._params(terms)
                | {
                    "limit": stop - start,
                    "offset": start,
                    "title_options": f"HighlightAll=true, {self.MARKS}",
                    "snippet_options": f"MaxWords=30, MinWords=15, ShortWord=0, {self.MARKS}",
                },
            )
            rows = cursor.fetchall()
        return hits_of(
            (
                kind,
                rank,
                highlight(title.replace("\x01", "<")),
                highlight(snippet.replace("\x01", "<")),
                total,
                columns,
            )
            for kind, _, rank, title, snippet, total, *columns in rows
        )


BACKENDS = {"sqlite": SQLiteBackend, "postgresql": PostgreSQLBackend}


class Results:
    """The hits for some terms, fetched a slice at a time, for a `Paginator`.

    Each slice's query also counts every match. A paginator asks for the
    count before the page, so `count()` fetches the slice `expected` names
    (the page the reader asked for) and hands it over when the paginator asks:
    one query for a page, where counting first would read every match twice.
    Only a page past the end needs its own count.
    """

    def __init__(self, backend, terms, expected):
        self.backend = backend
        self.terms = terms
        self.expected = expected
        self._fetched = None  # (start, stop, hits) of the last slice fetched
        self._total = None

    def _fetch(self, start, stop):
        hits, total = self.backend.hits(self.terms, start, stop)
        self._fetched = (start, stop, hits)
        if total is not None:
            self._total = total
        return hits

    def count(self):
        if not self.terms:
            return 0
        if self._total is None:
            self._fetch(self.expected.start, self.expected.stop)
        if self._total is None:
            self._total = self.backend.count(self.terms)
        return self._total

    def __getitem__(self, window):
        if not self.terms:
            return []
        start = window.start or 0
        if self._fetched:
            fetched_start, fetched_stop, hits = self._fetched
            # The same start, and either as far or the end of the matches already reached.
            if start == fetched_start and (window.stop <= fetched_stop or len(hits) < fetched_stop - start):
                return hits[: window.stop - start]
        return self._fetch(start, window.stop)


def search(query, page=1, per_page=20):
    """Published articles and headlines matching the words of `query`, best first.

    `page` (a number, or the text of a `page` parameter) is the page of `per_page` hits that will
    be shown: it is fetched together with the count.
    """
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    expected = slice((number - 1) * per_page, number * per_page)
    return Results(BACKENDS[connection.vendor](), terms_of(query), expected)
