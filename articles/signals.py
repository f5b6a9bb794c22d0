"""Receivers that hold whatever the save path: admin, `save()` or `loaddata` (raw)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from .html import sanitize_html
from .models import Article, Correction


@receiver(pre_save, sender=Article)
def sanitize_article_body(sender, instance, **kwargs):
    """Sanitise on every save, `loaddata` included: it skips `save()` but sends `pre_save`."""
    instance.body = sanitize_html(instance.body)


@receiver(post_save, sender=Correction)
@receiver(post_delete, sender=Correction)
def touch_corrected_article(sender, instance, **kwargs):
    """A correction added, edited or removed changes the article: its `updated_at` moves on.

    An update, not `save()`: the admin has just saved the article and recorded
    its one history entry for this change. Not for `loaddata` (raw): a restored
    correction is no change, and the fixture's `updated_at` is the one to keep.
    """
    if kwargs.get("raw"):
        return
    Article.objects.filter(pk=instance.article_id).update(updated_at=timezone.now())
