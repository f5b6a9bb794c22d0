"""Articles and headlines built from the rows of hand-written SQL, as the ORM would build them.

Search, an article's surroundings and the breaking banner read what a reader page shows of each item
(its link and time, and for a headline its article's) in the same query that finds the items, from `a`
(an article), `h` (a headline) and `ha` (the headline's article): loading them with more ORM queries
cost a quarter of the search page at 10,000 articles.
"""

from functools import lru_cache

from django.db import connection

from .models import Article, Headline

ARTICLE_FIELDS = ("id", "slug", "title", "status", "published_at")
HEADLINE_FIELDS = ("id", "slug", "text", "status", "published_at", "url", "article_id")
HEADLINE_COLUMNS = ", ".join(
    [f"h.{name}" for name in HEADLINE_FIELDS] + [f"ha.{name}" for name in ARTICLE_FIELDS]
)
ITEM_COLUMNS = ", ".join([f"a.{name}" for name in ARTICLE_FIELDS]) + ", " + HEADLINE_COLUMNS
LINKED_ARTICLE = "LEFT JOIN articles_article AS ha ON ha.id = h.article_id"


def loader(model, names):
    """A function making a `model` instance (its other fields deferred) from the values of the fields
    `names` in a row of raw SQL, converted as the ORM converts them (SQLite returns times as text).

    Made once per model, fields and database backend: finding the converters cost more than loading
    a page's few rows (0.17 ms of each article page for its three loaders).
    """
    return _loader(model, names, connection.vendor)


@lru_cache
def _loader(model, names, vendor):
    fields = [field for field in model._meta.concrete_fields if field.attname in names]  # from_db's order
    positions = [names.index(field.attname) for field in fields]
    columns = [field.get_col(model._meta.db_table) for field in fields]
    converters = [
        connection.ops.get_db_converters(col) + col.get_db_converters(connection) for col in columns
    ]
    attnames = [field.attname for field in fields]

    def load(values):
        converted = []
        for position, column, column_converters in zip(positions, columns, converters, strict=True):
            value = values[position]
            for convert in column_converters:
                value = convert(value, column, connection)
            converted.append(value)
        return model.from_db(connection.alias, attnames, converted)

    return load


def headline_loader():
    """A function making the headline of a row's `HEADLINE_COLUMNS`, with its article if it has one."""
    load_article, load_headline = loader(Article, ARTICLE_FIELDS), loader(Headline, HEADLINE_FIELDS)
    headline_end = len(HEADLINE_FIELDS)

    def load(columns):
        headline = load_headline(columns[:headline_end])
        if headline.article_id is not None:
            headline.article = load_article(columns[headline_end:])
        return headline

    return load


def item_loader():
    """A function making the item of a row's `ITEM_COLUMNS`: the headline, with its article, when
    `is_headline`, else the article."""
    load_article, load_headline = loader(Article, ARTICLE_FIELDS), headline_loader()
    article_end = len(ARTICLE_FIELDS)

    def load(is_headline, columns):
        return load_headline(columns[article_end:]) if is_headline else load_article(columns[:article_end])

    return load
