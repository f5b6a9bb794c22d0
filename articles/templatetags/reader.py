"""Template helpers for reader pages: links, canonical and page URLs, times, JSON-LD."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles.links import cached_reverse

register = template.Library()

# As Django's json_script: inside <script>, these could end the element or start markup.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def site_url(name):
    """`{% url name %}` for a route without arguments, reversed once per URLconf and script prefix:
    the header, footer and feed links are the same on every page."""
    return cached_reverse(name)


@register.simple_tag
def time_element(when):
    """A `<time>` for `when` in the site's time zone: "5 March 2026, 14:05 GMT", and `datetime` for machines.

    Written directly rather than with two `date` filters in an include: a search or listing page
    writes twenty or more, and the include cost 0.27 ms each, this 0.04 ms.
    """
    local = timezone.localtime(when)
    return format_html(
        '<time datetime="{}">{} {} {}, {} {}</time>',
        local.strftime("%Y-%m-%dT%H:%M:%S%z"),
        local.day,
        MONTHS[local.month],
        local.year,
        local.strftime("%H:%M"),
        local.tzname(),
    )


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's absolute URL without query parameters, except a page number past the first."""
    request = context["request"]
    page = request.GET.get("page", "")
    suffix = f"?page={page}" if page.isdigit() and page != "1" else ""
    return request.build_absolute_uri(request.path) + suffix


@register.simple_tag(takes_context=True)
def page_url(context, number, param="page"):
    """The current URL's query string with `param` set to `number`, the other parameters kept."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def article_json_ld(context, article, tags):
    """A schema.org NewsArticle as <script type="application/ld+json">, safe whatever the text holds."""
    request = context["request"]
    url = request.build_absolute_uri(article.get_absolute_url())
    publisher = {
        "@type": "Organization",
        "name": context["site_name"],
        "url": request.build_absolute_uri(cached_reverse("articles:front-page")),
    }
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.standfirst,
        "datePublished": article.published_at,
        "dateModified": article.updated_at,
        "author": {"@type": "Person", "name": article.byline} if article.byline else publisher,
        "keywords": [tag.name for tag in tags],
        "publisher": publisher,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
    }
    encoded = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(encoded))
