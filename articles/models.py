"""Articles, the headline rail and the tags that tie them together."""

import hashlib

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import Truncator, slugify
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from .links import cached_reverse

SLUG_MAX_LENGTH = 120


def ascii_slug(text, max_length=SLUG_MAX_LENGTH):
    """An ASCII slug of `text`, at most `max_length` long, cut at a word boundary.

    Text with no ASCII letters at all (CJK, Arabic) gets a stable hash so that
    every item stays reachable through Django's ASCII-only `<slug:>` converter.
    """
    slug = slugify(text)
    if not slug:
        return "x-" + hashlib.sha1(text.encode()).hexdigest()[:12]
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:max_length]
    return slug.strip("-")


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PublishableQuerySet(models.QuerySet):
    def published(self):
        """Items readers may see: published, with a publication time that has passed.

        Decided at query time, so a scheduled item appears the moment its time
        passes without any job having to run.
        """
        return self.filter(status=Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        return self.filter(status=Status.PUBLISHED, published_at__gt=timezone.now())

    def visible_to(self, user):
        """What `user` may open: all items for staff allowed to view them (previews), else `published()`."""
        opts = self.model._meta
        if user.is_staff and user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            return self.all()
        return self.published()


class SlugNaturalKeyManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Publishable(models.Model):
    """What articles and headlines share: a workflow status and a publication time."""

    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Readers see an item only when it is Published and its publication time has passed.",
    )
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text="A time in the future schedules the item: it appears to readers when that time passes.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )


class TagQuerySet(models.QuerySet):
    def in_use(self):
        """Tags of at least one published article or headline."""
        now = timezone.now()

        def tagging(through):
            return Exists(
                through.objects.filter(
                    tag=OuterRef("pk"),
                    content_object__status=Status.PUBLISHED,
                    content_object__published_at__lte=now,
                )
            )

        return self.filter(tagging(TaggedArticle) | tagging(TaggedHeadline))

    def of_latest(self, items, window=100):
        """The tags of the `window` newest of `items` (articles or headlines), the most used among them first.

        Counting every tagging in the archive cost most of the front page at 10,000 articles.
        """
        tagged = {Article: "tagged_articles", Headline: "tagged_headlines"}[items.model]
        latest = items.order_by(F("published_at").desc(nulls_first=True), "-pk").values("pk")[:window]
        return (
            self.filter(**{f"{tagged}__content_object__in": latest})
            .annotate(use_count=Count(tagged))
            .order_by("-use_count", "name")
        )

    def of_latest_articles(self, window=100):
        """The tags of the `window` latest published articles: the front page's topics."""
        return self.of_latest(Article.objects.published(), window)

    def with_counts(self):
        """Tags in use by published items, by name, each with `article_count` and `headline_count`.

        A list, not a queryset: the counts are one GROUP BY tag query over both through tables
        joined to published items (a UNION ALL), and the tags one more, whatever their number.
        """
        now = timezone.now()

        def counts(through, kind):
            return (
                through.objects.filter(
                    content_object__status=Status.PUBLISHED, content_object__published_at__lte=now
                )
                .order_by()
                .values_list("tag")
                .annotate(n=Count("pk"), kind=Value(kind))
            )

        found = {}
        for tag_id, n, kind in counts(TaggedArticle, "article_count").union(
            counts(TaggedHeadline, "headline_count"), all=True
        ):
            found.setdefault(tag_id, {"article_count": 0, "headline_count": 0})[kind] = n
        tags = list(self.filter(pk__in=list(found)).order_by("name"))
        for tag in tags:
            tag.__dict__.update(found[tag.pk])
        return tags


class TagManager(SlugNaturalKeyManager.from_queryset(TagQuerySet)):
    def get_by_natural_key(self, slug):
        """A tag merged away answers to the tag it became, so fixtures naming it load onto that one."""
        try:
            return super().get_by_natural_key(slug)
        except self.model.DoesNotExist:
            merged = TagRedirect.objects.db_manager(self.db).merged_from(slug)
            if merged is None:
                raise
            return merged.tag


class Tag(TagBase):
    """A subject shared by articles and headlines; names are unique in any letter case."""

    description = models.TextField(blank=True, help_text="Shown at the top of the tag's page.")

    natural_key_fields = ["slug"]
    objects = TagManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="articles_tag_name_ci_unique"),
            models.CheckConstraint(condition=~Q(slug=""), name="articles_tag_slug_not_empty"),
        ]

    def natural_key(self):
        return (self.slug,)

    def slugify(self, tag, i=None):
        slug = ascii_slug(tag, max_length=90)
        return slug if i is None else f"{slug}-{i}"

    def get_absolute_url(self):
        return cached_reverse("articles:tag-detail", self.slug)


class TagRedirectManager(models.Manager):
    def merged_from(self, old_slug):
        """The redirect left by the tag merged away under `old_slug`, with the tag it became; None if none."""
        return self.select_related("tag").filter(old_slug=old_slug).first()


class TagRedirect(models.Model):
    """The slug of a tag that was merged into another: its old page redirects there."""

    old_slug = models.SlugField(max_length=100, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="redirects")

    objects = TagRedirectManager()

    def __str__(self):
        return f"{self.old_slug} → {self.tag.slug}"


class ArticleQuerySet(PublishableQuerySet):
    def for_listing(self):
        return self.prefetch_related("tags")


class Article(Publishable):
    title = models.CharField(max_length=255)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        help_text="The article's address. Changing it after publication breaks links to it.",
    )
    standfirst = models.TextField(
        help_text="The one-sentence summary shown under the title and in lists, feeds and search results."
    )
    body = models.TextField(help_text="The story. Scripts and unsafe markup are removed on save.")
    byline = models.CharField(max_length=200, blank=True)
    tags = TaggableManager(through="TaggedArticle", blank=True)

    objects = SlugNaturalKeyManager.from_queryset(ArticleQuerySet)()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [("publish_article", "Can publish, schedule and unpublish articles")]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_pub_idx"),
            # The desk's order (admin): newest first, drafts (no time) on top. Without it
            # both databases sort every row, bodies and all, to show 50.
            models.Index(fields=["-published_at", "-id"], name="article_desk_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="article_slug_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="article_status_valid"),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return cached_reverse("articles:article-detail", self.slug)

    def natural_key(self):
        return (self.slug,)


class Correction(models.Model):
    """A dated correction or update note an editor adds to a published article."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(help_text="What was wrong and what is right now, in plain words.")
    created_at = models.DateTimeField("dated", default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["correction", "update"]), name="correction_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.article}: {Truncator(self.text).chars(60)}"


class HeadlineQuerySet(PublishableQuerySet):
    def rail(self):
        """The headline rail in the editors' order."""
        return self.published().order_by("position", "-published_at", "pk")

    def for_listing(self):
        return self.select_related("article").prefetch_related("tags")


class Headline(Publishable):
    """A one-line item of the headline rail, optionally pointing at a story."""

    text = models.CharField(max_length=300)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headlines",
        help_text="The full story this headline links to, if there is one.",
    )
    url = models.URLField(
        "external link",
        max_length=500,
        blank=True,
        help_text="Where the headline links when it has no article.",
    )
    position = models.PositiveIntegerField(
        default=0, db_index=True, help_text="The headline's place in the rail: lower comes first."
    )
    is_breaking = models.BooleanField(
        "breaking", default=False, help_text="Show as a banner at the top of every page."
    )
    breaking_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the breaking banner comes down. Empty: when the flag is cleared.",
    )
    tags = TaggableManager(through="TaggedHeadline", blank=True)

    objects = SlugNaturalKeyManager.from_queryset(HeadlineQuerySet)()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["position", "-published_at", "pk"]
        permissions = [("publish_headline", "Can publish, schedule and unpublish headlines")]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="headline_status_pub_idx"),
            # The rail (published, in position order): read in index order, stopping at its length,
            # instead of sorting every published headline on every page.
            models.Index(fields=["status", "position", "-published_at"], name="headline_rail_idx"),
            # The breaking banner on every page: the few flagged headlines, not a scan of them all.
            # Partial, so it holds only the flagged ones and the planner knows they are few.
            models.Index(
                fields=["status", "published_at"], condition=Q(is_breaking=True), name="headline_breaking_idx"
            ),
            # The newest headlines whatever their status: the desk's tag filter.
            models.Index(fields=["-published_at", "-id"], name="headline_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="headline_slug_not_empty"),
            models.CheckConstraint(condition=~Q(text=""), name="headline_text_not_empty"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="headline_status_valid"),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(published_at__isnull=False),
                name="headline_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(article__isnull=True) | Q(url=""), name="headline_article_or_url"
            ),
        ]

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return cached_reverse("articles:headline-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["articles.article"]

    @property
    def link(self):
        """Where the headline takes a reader: its article once published, its web link, else its own page.

        Only http(s) links leave the site: a `javascript:` or `data:` URL from a fixture never becomes a link.
        """
        if self.article_id and self.article.is_published:
            return self.article.get_absolute_url()
        if self.is_external:
            return self.url
        return self.get_absolute_url()

    @property
    def is_external(self):
        return self.url.startswith(("https://", "http://"))


class TaggedItemManager(models.Manager):
    def get_by_natural_key(self, item_slug, tag_slug):
        return self.get(content_object__slug=item_slug, tag__slug=tag_slug)


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey(Article, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")

    objects = TaggedItemManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_article_unique")
        ]

    def natural_key(self):
        return self.content_object.natural_key() + self.tag.natural_key()

    natural_key.dependencies = ["articles.article", "articles.tag"]


class TaggedHeadline(TaggedItemBase):
    content_object = models.ForeignKey(Headline, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_headlines")

    objects = TaggedItemManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_headline_unique")
        ]

    def natural_key(self):
        return self.content_object.natural_key() + self.tag.natural_key()

    natural_key.dependencies = ["articles.headline", "articles.tag"]


class ImportRecord(models.Model):
    """The audit trail of `loaddata`: who loaded which fixture files, when, and what it did to the rows."""

    user = models.CharField(max_length=150, help_text="The person or account that ran the import.")
    imported_at = models.DateTimeField(default=timezone.now, db_index=True)
    fixtures = models.TextField(help_text="The fixture files loaded, one per line.")
    created = models.PositiveIntegerField(default=0, help_text="Rows the import added.")
    updated = models.PositiveIntegerField(default=0, help_text="Existing rows the import changed.")
    unchanged = models.PositiveIntegerField(default=0, help_text="Existing rows already as in the fixture.")
    skipped = models.PositiveIntegerField(
        default=0, help_text="Rows left as they were because an editor changed them since they were imported."
    )
    report = models.TextField(blank=True, help_text="One line for each skipped row.")
    stamps = models.JSONField(
        default=dict,
        blank=True,
        help_text="The edit time the import gave each article and headline, by 'model:slug': a row whose "
        "edit time still matches was not edited since.",
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self):
        first = self.fixtures.splitlines()[0] if self.fixtures else "(no fixture)"
        return f"{first} by {self.user} at {self.imported_at:%Y-%m-%d %H:%M}"
