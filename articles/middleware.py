"""Response headers and client addressing that hold for the whole site.

The reader Content-Security-Policy is `CONTENT_SECURITY_POLICY` in settings
(django-csp); the admin's looser one is the only override and lives here.
"""

import base64
import hashlib
import re
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.urls import reverse
from django.utils.cache import get_conditional_response

from .caching import is_storable, page_key, reader_state

# Powerful browser features no page of the site uses.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

# The admin's widgets set inline styles, and django-prose-editor writes an
# inline `<script type="importmap">` whose content (hashed static URLs) is only
# known once the page is rendered. Scripts stay limited to our origin plus the
# exact import maps on the page: no 'unsafe-inline' for scripts, even here.
ADMIN_POLICY_REPLACE = {
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
}
IMPORT_MAP = re.compile(rb"<script\b[^>]*\btype=[\"']?importmap[\"']?[^>]*>(.*?)</script>", re.DOTALL | re.I)


@lru_cache
def admin_prefix():
    return reverse("admin:index")


@lru_cache
def health_check_path():
    return reverse("articles:healthz")


def client_ip(request):
    """The address of the client, as the trusted proxies in front of Django saw it.

    With `NEWSROOM_TRUSTED_PROXY_COUNT` = N > 0, each of the N proxies appends
    the address it received the request from to `X-Forwarded-For`, so the
    client is the N-th entry from the right; anything further left was written
    by the client and is ignored. With N = 0 (no proxy) it is `REMOTE_ADDR`.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    count = settings.NEWSROOM_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote_addr
    return forwarded[-count]


class PermissionsPolicyMiddleware:
    """Sends `Permissions-Policy`, which Django's SecurityMiddleware does not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class AdminContentSecurityPolicyMiddleware:
    """Loosens the Content-Security-Policy for the admin, and only there.

    Sits below `csp.middleware.CSPMiddleware`, which builds the header from the
    reader policy with the replacements set here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(admin_prefix()):
            replace = dict(ADMIN_POLICY_REPLACE)
            replace["script-src"] = ["'self'", *self.import_map_hashes(response)]
            response._csp_replace = replace
        return response

    @staticmethod
    def import_map_hashes(response):
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return []
        return [
            "'sha256-{}'".format(base64.b64encode(hashlib.sha256(body).digest()).decode("ascii"))
            for body in IMPORT_MAP.findall(response.content)
        ]


class PageCacheMiddleware:
    """Serves anonymous readers' pages whole from the shared cache, before the rest of the stack.

    Sits right after WhiteNoise. A GET or HEAD without a session cookie (so
    never staff, never a signed-in user) is looked up under the page version
    of `articles.caching` (content fingerprint, release, site settings) and the
    URL: a hit costs one primary-key read and one cache read, and answers
    `If-None-Match`/`If-Modified-Since` with 304. On a miss the request goes on,
    and a response that `conditional_page` marked shareable is stored as it
    leaves, with every header the inner middleware added (CSP and the rest).

    With Redis, a page is looked up in the worker's own `pages` cache first
    and copied there from Redis on a hit, so a hot page costs no round trip.
    """

    # Fastest first; the aliases configured in CACHES are used.
    TIERS = ("pages", "default")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.path_info.startswith(admin_prefix())
            # The health check must answer 503, not fail here, when the database is down.
            or request.path_info == health_check_path()
        ):
            return self.get_response(request)
        state, page_version = reader_state(request)
        key = page_key(request, page_version)
        tiers = [caches[alias] for alias in self.TIERS if alias in settings.CACHES]
        cached = self.lookup(tiers, key)
        if cached is not None:
            return self.not_modified(request, cached, state) or cached
        response = self.get_response(request)
        if (
            settings.NEWSROOM_PAGE_CACHE_SECONDS
            and getattr(response, "newsroom_shareable", False)
            and is_storable(request, response)
        ):
            # One piece of bytes: a feed is written in thousands of small ones,
            # which would be unpickled and sent one by one on every hit.
            response.content = response.content
            for tier in tiers:
                tier.set(key, response, settings.NEWSROOM_PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def lookup(tiers, key):
        """The page stored under `key` in the first tier holding it, copied into the faster ones."""
        for n, tier in enumerate(tiers):
            page = tier.get(key)
            if page is not None:
                for faster in tiers[:n]:
                    faster.set(key, page, settings.NEWSROOM_PAGE_CACHE_SECONDS)
                return page
        return None

    @staticmethod
    def not_modified(request, cached, state):
        response = get_conditional_response(
            request, etag=cached.get("ETag"), last_modified=int(state.last_modified)
        )
        if response is not None:
            for header in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
                if header in cached:
                    response[header] = cached[header]
        return response
