from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .models import Status
from .rows import HEADLINE_COLUMNS, LINKED_ARTICLE, headline_loader

# A banner, not a list: the newest few breaking headlines, however many are flagged.
BREAKING_LENGTH = 3

# Written as the ORM writes it, `WHERE h.is_breaking`: SQLite uses the partial index
# `headline_breaking_idx` (WHERE "is_breaking") only for that very term, not for `= TRUE`.
BREAKING = f"""
    SELECT {HEADLINE_COLUMNS}
      FROM articles_headline AS h {LINKED_ARTICLE}
     WHERE h.is_breaking AND h.status = %(published)s AND h.published_at <= %(now)s
       AND (h.breaking_until IS NULL OR h.breaking_until > %(now)s)
     ORDER BY h.published_at DESC, h.id DESC
     LIMIT %(length)s
"""


def breaking_headlines():
    """The newest published headlines flagged as breaking whose banner has not expired, with their articles.

    Hand-written because every page shows it: as a queryset it cost half a millisecond of each
    render to build and compile, for a query the database answers from a small partial index.
    """
    params = {
        "published": Status.PUBLISHED,
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "length": BREAKING_LENGTH,
    }
    with connection.cursor() as cursor:
        cursor.execute(BREAKING, params)
        rows = cursor.fetchall()
    load_headline = headline_loader()
    return [load_headline(columns) for columns in rows]


def site(request):
    """The site's name and description, and the breaking banners, for every template.

    `breaking` is read when a page first shows it: a page that does not runs no query for it.
    """
    return {
        "site_name": settings.NEWSROOM_SITE_NAME,
        "site_description": settings.NEWSROOM_SITE_DESCRIPTION,
        "breaking": SimpleLazyObject(breaking_headlines),
    }
