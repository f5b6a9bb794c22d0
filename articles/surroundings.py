"""What an article page shows around the story: related articles and headlines, previous and next.

All four come from one SQL statement. Built with the ORM they were four queries whose building and
compiling cost more than half of the page's CPU time (5 of 9 ms at seed size, measured with
`bench/load.py`), while the database spent well under a millisecond running them.
"""

from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from .models import Article, Status
from .rows import ITEM_COLUMNS, LINKED_ARTICLE, item_loader

RELATED_COUNT = 5
# Related items are ranked among this many of the newest items sharing a tag, so that a popular tag
# does not make the query count every item that carries it.
RELATED_WINDOW = 200

RELATED_ARTICLE, RELATED_HEADLINE, PREVIOUS, NEXT = range(4)


def related(kind, table, tagged, exclude_article=False):
    """Published items of `table` sharing a tag with the article (not the article itself), those sharing
    the most first, then the newest, ranked among the `window` newest that share one."""
    exclude = "AND newest.id <> %(article)s" if exclude_article else ""
    return f"""
        SELECT * FROM (
            SELECT {kind} AS kind, item.id, count(*) AS shared, item.published_at
              FROM {table} AS item
              JOIN {tagged} AS tagged ON tagged.content_object_id = item.id
             WHERE tagged.tag_id IN (SELECT tag_id FROM article_tags)
               AND item.id IN (
                   SELECT newest.id FROM {table} AS newest
                    WHERE newest.status = %(published)s AND newest.published_at <= %(now)s {exclude}
                      AND EXISTS (SELECT 1 FROM {tagged} AS t
                                   WHERE t.content_object_id = newest.id
                                     AND t.tag_id IN (SELECT tag_id FROM article_tags))
                    ORDER BY newest.published_at DESC, newest.id DESC
                    LIMIT %(window)s)
             GROUP BY item.id, item.published_at
             ORDER BY shared DESC, item.published_at DESC, item.id DESC
             LIMIT %(count)s
        ) AS related_{kind}"""


def neighbour(kind, before):
    """The published article just before (or after) the article in publication order, ties by id."""
    op, direction = ("<", "DESC") if before else (">", "ASC")
    return f"""
        SELECT * FROM (
            SELECT {kind} AS kind, n.id, 0 AS shared, n.published_at
              FROM articles_article AS n
             WHERE n.status = %(published)s AND n.published_at <= %(now)s
               AND (n.published_at {op} %(when)s OR (n.published_at = %(when)s AND n.id {op} %(article)s))
             ORDER BY n.published_at {direction}, n.id {direction}
             LIMIT 1
        ) AS neighbour_{kind}"""


SURROUNDINGS = f"""
    WITH article_tags AS (SELECT tag_id FROM articles_taggedarticle WHERE content_object_id = %(article)s)
    SELECT s.kind, {ITEM_COLUMNS}
      FROM ({related(RELATED_ARTICLE, "articles_article", "articles_taggedarticle", exclude_article=True)}
            UNION ALL {related(RELATED_HEADLINE, "articles_headline", "articles_taggedheadline")}
            UNION ALL {neighbour(PREVIOUS, before=True)}
            UNION ALL {neighbour(NEXT, before=False)}) AS s
      LEFT JOIN articles_article AS a ON s.kind <> {RELATED_HEADLINE} AND a.id = s.id
      LEFT JOIN articles_headline AS h ON s.kind = {RELATED_HEADLINE} AND h.id = s.id
      {LINKED_ARTICLE}
     ORDER BY s.kind, s.shared DESC, s.published_at DESC, s.id DESC
"""


class Surroundings(NamedTuple):
    related_articles: list
    related_headlines: list
    previous: Article | None
    next: Article | None


def surroundings_of(article):
    """The `Surroundings` of `article`; an article readers cannot see yet (a preview) has no previous or
    next, since it has no place among the published ones."""
    ops = connection.ops
    params = {
        "article": article.pk,
        "published": Status.PUBLISHED,
        # As the ORM writes times, so that SQLite compares its text alike.
        "now": ops.adapt_datetimefield_value(timezone.now()),
        "when": ops.adapt_datetimefield_value(article.published_at) if article.is_published else None,
        "window": RELATED_WINDOW,
        "count": RELATED_COUNT,
    }
    with connection.cursor() as cursor:
        cursor.execute(SURROUNDINGS, params)
        rows = cursor.fetchall()
    load_item = item_loader()
    found = {kind: [] for kind in range(4)}
    for kind, *columns in rows:
        found[kind].append(load_item(kind == RELATED_HEADLINE, columns))
    return Surroundings(
        related_articles=found[RELATED_ARTICLE],
        related_headlines=found[RELATED_HEADLINE],
        previous=(found[PREVIOUS] or [None])[0],
        next=(found[NEXT] or [None])[0],
    )
