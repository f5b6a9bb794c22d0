"""The content fingerprint, conditional GET and the shared page cache for reader pages.

`content_state()` reads one row by primary key, whatever the size of the site. Its result
changes whenever what a reader could see changes:

- any row of a table that reaches a reader page (articles, headlines, tags,
  taggings, corrections, tag redirects) is inserted, updated or deleted, by
  any means, `loaddata` and raw SQL included: triggers bump a version row
  (migration 0005);
- a scheduled article or headline goes live, or a breaking banner expires:
  the row knows the next such time, and the first request after it bumps
  the version (migration 0009).

`fingerprint()` hashes that row; it is each page's `ETag`, and the shared
cache keys pages on it, so a change shows on every page at once with no
invalidation to forget. `Last-Modified` is the time of the last change in it.

Every reader page, feed and sitemap is wrapped in `conditional_page`:

- staff get private, unstored responses (they may be previewing drafts);
- readers get `ETag`, `Last-Modified` and a `Cache-Control` for a CDN, and a
  304 when their copy is current, before the view runs;
- anonymous readers' 200 responses are marked shareable, and
  `articles.middleware.PageCacheMiddleware` stores them whole in the shared
  cache (Redis when `REDIS_URL` is set) under the page version and the URL,
  and serves later requests for the same URL and version from there, before
  sessions, CSRF, authentication and the view run.
"""

import hashlib
from dataclasses import dataclass
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from .models import Status

# The version, the time of the last change, and whether the clock has passed `next_change_at`.
STATE = "SELECT version, changed_at, next_change_at <= %s FROM articles_content_version WHERE id = 1"

# Once the clock has passed `next_change_at`: a new version, and the next such time (migration 0009).
ADVANCE = """
    UPDATE articles_content_version
    SET version = version + 1, changed_at = %s, next_change_at = (
        SELECT min(t) FROM (
            SELECT min(published_at) AS t FROM articles_article WHERE status = %s AND published_at > %s
            UNION ALL
            SELECT min(published_at) FROM articles_headline WHERE status = %s AND published_at > %s
            UNION ALL
            SELECT min(breaking_until) FROM articles_headline WHERE is_breaking = TRUE AND breaking_until > %s
        ) AS times)
    WHERE id = 1 AND next_change_at <= %s
"""


@dataclass(frozen=True)
class ContentState:
    fingerprint: str
    last_modified: float  # seconds since the epoch


def content_state():
    """The fingerprint and last-modified time of everything readers can see: one primary-key read.

    Writes bump the version (triggers); so does the first request after a
    scheduled item's time or a banner's expiry, the only changes no write makes.
    """
    now = timezone.now()
    when = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(STATE, [when])
        version, changed_at, passed = cursor.fetchone()
        if passed:
            cursor.execute(
                ADVANCE,
                [now.timestamp(), Status.PUBLISHED, when, Status.PUBLISHED, when, when, when],
            )
            cursor.execute(STATE, [when])
            version, changed_at, _ = cursor.fetchone()
    return ContentState(
        fingerprint=hashlib.blake2b(f"{version}:{changed_at}".encode(), digest_size=12).hexdigest(),
        last_modified=changed_at,
    )


def fingerprint():
    """A short string that changes whenever any page a reader can see would change."""
    return content_state().fingerprint


@lru_cache
def release():
    """The running code's name: `NEWSROOM_RELEASE` (say, the deployed commit).

    Without it, the newest modification time of the project's Python files and
    templates, which every worker of one deployment agrees on.
    """
    if settings.NEWSROOM_RELEASE:
        return settings.NEWSROOM_RELEASE
    base = Path(settings.BASE_DIR)
    files = [
        path
        for folder in ("articles", "newsroom", "templates")
        for pattern in ("*.py", "*.html", "*.txt", "*.xml")
        for path in (base / folder).rglob(pattern)
    ]
    return str(max((path.stat().st_mtime_ns for path in files), default=0))


def version(state):
    """What a page depends on: the content fingerprint, the code and the site's settings."""
    parts = [state.fingerprint, release(), settings.NEWSROOM_SITE_NAME, settings.NEWSROOM_SITE_DESCRIPTION]
    return hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()


def page_key(request, page_version):
    url = hashlib.blake2b(request.build_absolute_uri().encode(), digest_size=16).hexdigest()
    return f"page:{page_version}:{url}"


def patch_reader_headers(response, state, etag):
    """ETag, Last-Modified and a Cache-Control that lets a CDN keep the page briefly.

    Browsers revalidate every time (a cheap 304); a shared cache may serve the
    page for `NEWSROOM_CDN_MAX_AGE` seconds, and keep serving it while the
    origin is down.
    """
    response.headers.setdefault("ETag", etag)
    response.headers.setdefault("Last-Modified", http_date(state.last_modified))
    patch_cache_control(
        response,
        public=True,
        max_age=settings.NEWSROOM_BROWSER_MAX_AGE,
        s_maxage=settings.NEWSROOM_CDN_MAX_AGE,
        stale_if_error=86400,
    )
    return response


def is_storable(request, response):
    """Whether `response` may go into the shared cache for every reader of its URL."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def reader_state(request):
    """The content state and page version for `request`, read once per request."""
    if not hasattr(request, "_newsroom_page_state"):
        state = content_state()
        request._newsroom_page_state = (state, version(state))
    return request._newsroom_page_state


def conditional_page(view):
    """Serve `view` to readers with validators and 304s, and offer their pages to the shared cache.

    `articles.middleware.PageCacheMiddleware` stores the pages marked here as
    shareable (anonymous readers' 200s) and serves them before the rest of the
    middleware runs.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_staff:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        state, page_version = reader_state(request)
        etag = f'"{page_version}"'
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(state.last_modified))
        if not_modified is not None:
            return patch_reader_headers(not_modified, state, etag)
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        # A signed-in reader's page is never shared.
        response.newsroom_shareable = not request.user.is_authenticated
        return patch_reader_headers(response, state, etag)

    return wrapper
