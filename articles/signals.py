"""Receivers that hold whatever the save path: admin, `save()` or `loaddata` (raw)."""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from .html import sanitize_html
from .models import Article


@receiver(pre_save, sender=Article)
def sanitize_article_body(sender, instance, **kwargs):
    """Sanitise on every save, `loaddata` included: it skips `save()` but sends `pre_save`."""
    instance.body = sanitize_html(instance.body)

