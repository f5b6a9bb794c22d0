"""The content fingerprint, and conditional GET for reader pages built on it.

`fingerprint()` is one cheap query whose result changes whenever what a reader
could see changes:

- any article or headline is saved (latest `updated_at`) or deleted (counts);
- a scheduled article or headline goes live (the count of those whose
  publication time has passed);
- a breaking banner expires (the count of expired banners);
- tags, taggings, corrections or tag redirects are added or removed (counts and
  latest ids); a tag is renamed (the total length of the names stands in for
  the `updated_at` that tags lack, and catches nearly every rename).

It does not see `loaddata` overwriting rows with fixture values that keep
the same `updated_at` and counts; deploys that load fixtures clear the cache.

Every reader page, feed and sitemap is wrapped in `conditional_page`, which
sends the fingerprint as the `ETag` and answers a matching `If-None-Match`
with 304 before the view runs. Whole-page caching in the shared cache keys on
the same `fingerprint()` (plus the URL), so it also belongs in this module.
"""

import hashlib
from functools import wraps

from django.db import connection
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control

from .models import Article, Correction, Headline, Status, Tag, TaggedArticle, TaggedHeadline, TagRedirect

LIVE = "count(CASE WHEN status = %s AND published_at <= %s THEN 1 END)"
EXPIRED = "count(CASE WHEN is_breaking AND breaking_until <= %s THEN 1 END)"


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def fingerprint():
    """A short string that changes whenever any page a reader can see would change."""
    articles, headlines = _table(Article), _table(Headline)
    parts = [
        f"SELECT max(updated_at), count(*), {LIVE} FROM {articles}",
        f"SELECT max(updated_at), count(*), {LIVE}, {EXPIRED} FROM {headlines}",
        f"SELECT count(*), max(id), sum(length(name)) FROM {_table(Tag)}",
        *(f"SELECT count(*), max(id) FROM {_table(model)}" for model in (TaggedArticle, TaggedHeadline)),
        *(f"SELECT count(*), max(id) FROM {_table(model)}" for model in (Correction, TagRedirect)),
    ]
    now = timezone.now()
    params = [Status.PUBLISHED, now, Status.PUBLISHED, now, now]
    # One round trip: a cross join of single-row subqueries.
    sql = "SELECT * FROM " + ", ".join(f"({part}) AS part{n}" for n, part in enumerate(parts))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return hashlib.blake2b(repr(row).encode(), digest_size=12).hexdigest()


def conditional_page(view):
    """Serve `view` to readers with the fingerprint as ETag, and 304 when they already have it.

    Staff may be looking at a preview of a draft: their responses are private,
    never stored, and carry no ETag a reader's cache could share.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_staff:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        etag = f'"{fingerprint()}"'
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            return not_modified
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response.headers.setdefault("ETag", etag)
        return response

    return wrapper
