"""Reversed URLs, remembered: pages link to the same routes and items over and over.

Reversing a route costs about 20 µs, mostly in looking up the active URLconf and
language; a page with a rail, teasers and tags reverses forty or more.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=4096)
def _reverse(name, args, root_urlconf, urlconf, prefix):
    return reverse(name, args=args, urlconf=urlconf)


def cached_reverse(name, *args):
    """`reverse(name, args=args)`, reversed once per URLconf (the settings' or a request's) and prefix."""
    return _reverse(name, args, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
