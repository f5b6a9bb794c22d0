from django.conf import settings


def site(request):
    """The site's name and description, for every template."""
    return {
        "site_name": settings.NEWSROOM_SITE_NAME,
        "site_description": settings.NEWSROOM_SITE_DESCRIPTION,
    }
