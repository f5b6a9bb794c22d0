from django.conf import settings

from .models import Headline

# A banner, not a list: the newest few breaking headlines, however many are flagged.
BREAKING_LENGTH = 3


def site(request):
    """The site's name and description, and the breaking banners, for every template.

    `breaking` is a lazy queryset: a page that does not show it runs no query for it.
    """
    return {
        "site_name": settings.NEWSROOM_SITE_NAME,
        "site_description": settings.NEWSROOM_SITE_DESCRIPTION,
        "breaking": Headline.objects.breaking()
        .select_related("article")
        .order_by("-published_at", "-pk")[:BREAKING_LENGTH],
    }
