"""What an article page shows around the story: its tags, related articles and headlines, previous and next.

All come from one SQL statement. Built with the ORM they were five queries whose building and
compiling cost more than half of the page's CPU time (about 5 of 9 ms in-process at seed size), while
SQLite spent well under a millisecond running them. See bench/RESULTS.md for what it costs PostgreSQL.
"""

from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from .models import Article, Status, Tag
from .rows import ITEM_COLUMNS, LINKED_ARTICLE, item_loader, loader

RELATED_COUNT = 5
# Related items are ranked among this many of the newest items sharing a tag, so that a popular tag
# does not make the query count every item that carries it.
RELATED_WINDOW = 200

TAG_FIELDS = ("id", "name", "slug")
TAG, RELATED_ARTICLE, RELATED_HEADLINE, PREVIOUS, NEXT = range(5)


def related(kind, table, tagged, exclude_article=False):
    """Published items of `table` sharing a tag with the article (not the article itself), those sharing
    the most first, then the newest, ranked among the `window` newest that share one."""
    exclude = "AND newest.id <> %(article)s" if exclude_article else ""
    return f"""
        SELECT * FROM (
            SELECT {kind} AS kind, item.id, row_number() OVER (
                       ORDER BY count(*) DESC, item.published_at DESC, item.id DESC) AS position
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
             ORDER BY position
             LIMIT %(count)s
        ) AS related_{kind}"""


def neighbour(kind, before):
    """The published article just before (or after) the article in publication order, ties by id."""
    op, direction = ("<", "DESC") if before else (">", "ASC")
    return f"""
        SELECT * FROM (
            SELECT {kind} AS kind, n.id, 1 AS position
              FROM articles_article AS n
             WHERE n.status = %(published)s AND n.published_at <= %(now)s
               AND (n.published_at {op} %(when)s OR (n.published_at = %(when)s AND n.id {op} %(article)s))
             ORDER BY n.published_at {direction}, n.id {direction}
             LIMIT 1
        ) AS neighbour_{kind}"""


SURROUNDINGS = f"""
    WITH article_tags AS (SELECT tag_id FROM articles_taggedarticle WHERE content_object_id = %(article)s)
    SELECT s.kind, {ITEM_COLUMNS}, {", ".join(f"t.{name}" for name in TAG_FIELDS)}
      FROM ({related(RELATED_ARTICLE, "articles_article", "articles_taggedarticle", exclude_article=True)}
            UNION ALL {related(RELATED_HEADLINE, "articles_headline", "articles_taggedheadline")}
            UNION ALL {neighbour(PREVIOUS, before=True)}
            UNION ALL {neighbour(NEXT, before=False)}
            UNION ALL SELECT {TAG}, tag_id, row_number() OVER (ORDER BY id)
                        FROM articles_taggedarticle WHERE content_object_id = %(article)s) AS s
      LEFT JOIN articles_article AS a ON s.kind IN ({RELATED_ARTICLE}, {PREVIOUS}, {NEXT}) AND a.id = s.id
      LEFT JOIN articles_headline AS h ON s.kind = {RELATED_HEADLINE} AND h.id = s.id
      {LINKED_ARTICLE}
      LEFT JOIN articles_tag AS t ON s.kind = {TAG} AND t.id = s.id
     ORDER BY s.kind, s.position
"""


class Surroundings(NamedTuple):
    tags: list  # in the order the article was given them: the first is its kicker
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
    load_item, load_tag = item_loader(), loader(Tag, TAG_FIELDS)
    found = {kind: [] for kind in range(5)}
    for kind, *columns in rows:
        item_columns, tag_columns = columns[: -len(TAG_FIELDS)], columns[-len(TAG_FIELDS) :]
        found[kind].append(
            load_tag(tag_columns) if kind == TAG else load_item(kind == RELATED_HEADLINE, item_columns)
        )
    return Surroundings(
        tags=found[TAG],
        related_articles=found[RELATED_ARTICLE],
        related_headlines=found[RELATED_HEADLINE],
        previous=(found[PREVIOUS] or [None])[0],
        next=(found[NEXT] or [None])[0],
    )
