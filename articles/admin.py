"""The editors' desk: articles, the headline rail and tags, with their history.

Reporters (no `publish_*` permission) write and edit drafts; editors also
publish, schedule and unpublish. That rule holds in the form (the publishing
fields are read-only for reporters), in the actions (each needs the publish
permission) and in `save_model`, which also covers crafted POSTs and reverts.
"""

import difflib
import re

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import display_for_value, model_ngettext, unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.http import urlencode
from simple_history.admin import SimpleHistoryAdmin
from taggit.models import Tag as TaggitTag

from . import admin_imports  # noqa: F401  (registers the read-only import trail)
from .forms import (
    PUBLISHING_HELP,
    ArticleAdminForm,
    HeadlineAdminForm,
    MergeTagsForm,
    ScheduleForm,
    TagAdminForm,
)
from .models import (
    Article,
    Correction,
    Headline,
    Status,
    Tag,
    TaggedArticle,
    TaggedHeadline,
    TagRedirect,
)

# Our own Tag model replaces taggit's: one "Tags" in the admin, not two.
admin.site.unregister(TaggitTag)


class StatusFilter(admin.SimpleListFilter):
    """Draft, scheduled or published as readers experience it, not just the stored status."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("scheduled", "Scheduled"), ("published", "Published")]

    def queryset(self, request, queryset):
        if self.value() == "draft":
            return queryset.filter(status=Status.DRAFT)
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "published":
            return queryset.published()
        return queryset


class TagFilter(admin.SimpleListFilter):
    """The tags most used by the desk's newest items, not every tag: a few hundred links cost the page.

    Any tag can still be filtered on: the Tags list links each tag's count here,
    and the chosen tag is always offered. The parameter is Django's own
    (`tags__id__exact`), so links made for the stock filter keep working.
    """

    title = "tag"
    parameter_name = "tags__id__exact"
    LENGTH = 20

    def lookups(self, request, model_admin):
        tags = list(Tag.objects.of_latest(model_admin.get_queryset(request))[: self.LENGTH])
        if self.value() and self.value() not in {str(tag.pk) for tag in tags}:
            tags += Tag.objects.filter(pk=self.value()) if self.value().isdigit() else []
        return [(str(tag.pk), tag.name) for tag in tags]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__id=self.value())
        return queryset


class PublishableAdmin(SimpleHistoryAdmin):
    """What the article and headline desks share: publishing rights, actions, history compare."""

    actions = ["publish_now", "schedule", "unpublish"]
    show_full_result_count = False
    # Rendering rows (and the rail's position inputs) is a change list's cost, whatever the number of items:
    # 100 headline rows took 280 ms at 100,000 headlines, 50 take 170 ms.
    list_per_page = 50
    object_history_template = "admin/articles/object_history.html"

    def has_publish_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")

    def has_change_permission(self, request, obj=None):
        # Once an item is published or scheduled it is an editor's: reporters only view it.
        if obj is not None and obj.status != Status.DRAFT and not self.has_publish_permission(request):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = ["created_at", "updated_at"]
        if not self.has_publish_permission(request):
            fields += ["status", "published_at"]
        return fields

    def save_model(self, request, obj, form, change):
        if not self.has_publish_permission(request):
            # Publication state is never a reporter's to set, whatever the form,
            # a crafted POST or a reverted version says: it stays as stored.
            stored = type(obj).objects.filter(pk=obj.pk).values("status", "published_at").first()
            if stored and stored["status"] != Status.DRAFT:
                raise PermissionDenied
            obj.status = Status.DRAFT
            obj.published_at = stored["published_at"] if stored else None
        super().save_model(request, obj, form, change)

    @admin.display(description="status", ordering="status")
    def state(self, obj):
        if obj.is_scheduled:
            return "Scheduled"
        return obj.get_status_display()

    def save_each(self, request, items, message, change):
        """Save each item that `change(item)` alters, one by one: history, signals and `updated_at` follow."""
        saved = 0
        with transaction.atomic():
            for item in items:
                if change(item) is not False:
                    item.save()
                    self.log_change(request, item, message)
                    saved += 1
        self.message_user(
            request, f"{message}: {saved} {model_ngettext(self.opts, saved)}.", messages.SUCCESS
        )

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        now = timezone.now().replace(microsecond=0)  # what the form shows, so a later save changes nothing

        def publish(item):
            if item.is_published:
                return False  # already live: keep its publication time
            item.status, item.published_at = Status.PUBLISHED, now

        self.save_each(request, queryset, "Published", publish)

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        def unpublish(item):
            if item.status == Status.DRAFT:
                return False
            item.status = Status.DRAFT

        self.save_each(request, queryset, "Unpublished", unpublish)

    @admin.action(description="Schedule…", permissions=["publish"])
    def schedule(self, request, queryset):
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            when = form.cleaned_data["published_at"]

            def schedule(item):
                item.status, item.published_at = Status.PUBLISHED, when

            self.save_each(request, queryset, f"Scheduled for {when:%Y-%m-%d %H:%M}", schedule)
            return None
        return TemplateResponse(
            request,
            "admin/articles/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Schedule {model_ngettext(self.opts, len(queryset))}",
                "intro": "Readers see these from the publication time you choose:",
                "submit_label": "Schedule",
                "action": "schedule",
                "opts": self.opts,
                "items": queryset,
                "form": form,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.history_compare_view),
                name="{}_{}_history_compare".format(*info),
            ),
            *super().get_urls(),
        ]

    def history_compare_view(self, request, object_id):
        """Two versions side by side: each changed field, before and after, words marked."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        records = obj.history.select_related("history_user")
        old = get_object_or_404(records, history_id=request.GET.get("old"))
        new = get_object_or_404(records, history_id=request.GET.get("new"))
        if (old.history_date, old.history_id) > (new.history_date, new.history_id):
            old, new = new, old
        changes = []
        for change in new.diff_against(old).changes:
            before, after = (plain_text(display_for_value(value, "—")) for value in (change.old, change.new))
            changes.append(
                {
                    "field": self.opts.get_field(change.field).verbose_name,
                    "old": before,
                    "new": after,
                    "diff": word_diff(before, after),
                }
            )
        return TemplateResponse(
            request,
            "admin/articles/history_compare.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Compare versions: {obj}",
                "opts": self.opts,
                "object": obj,
                "old": old,
                "new": new,
                "changes": changes,
            },
        )


BLOCK_END = re.compile(r"<(?:br|/p|/h\d|/li|/blockquote|/pre)\b[^>]*>", re.IGNORECASE)


def plain_text(html):
    """The words of `html` without its markup, paragraphs kept apart."""
    return " ".join(strip_tags(BLOCK_END.sub(" ", html)).split())


def word_diff(old, new):
    """The text of `new` with the words removed since `old` in <del> and those added in <ins>; escaped."""
    old_words, new_words = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("span", " ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(("del", " ".join(old_words[a1:a2])))
        if b2 > b1:
            parts.append(("ins", " ".join(new_words[b1:b2])))
    return format_html_join(" ", "<{0}>{1}</{0}>", parts)


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0
    fields = ["kind", "text", "created_at"]
    verbose_name = "correction or update"
    verbose_name_plural = "corrections and updates (shown on the page, newest last)"


@admin.register(Article)
class ArticleAdmin(PublishableAdmin):
    form = ArticleAdminForm
    list_display = ["title", "state", "published_at", "tag_list", "last_edit"]
    list_filter = [StatusFilter, TagFilter, "published_at"]
    search_fields = ["title", "standfirst", "body"]
    # Newest first; drafts, which have no publication time yet, on top.
    ordering = [F("published_at").desc(nulls_first=True), "-pk"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body", "version"]}),
        ("Tags and byline", {"fields": ["tags", "byline"]}),
        ("Publishing", {"fields": ["status", "published_at"], "description": PUBLISHING_HELP}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is not None else fieldsets[:-1]  # a new article has no record yet

    def get_inlines(self, request, obj):
        # Corrections and updates are notes on a published story.
        return [CorrectionInline] if obj is not None and obj.status == Status.PUBLISHED else []

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(sorted(tag.name for tag in obj.tags.all()))

    @admin.display(description="last edit", ordering="updated_at")
    def last_edit(self, obj):
        return obj.updated_at


@admin.register(Headline)
class HeadlineAdmin(PublishableAdmin):
    form = HeadlineAdminForm
    list_display = ["text", "position", "state", "published_at", "breaking", "article"]
    list_display_links = ["text"]
    list_editable = ["position"]
    # The change list builds a form of every field for its editable column.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = [StatusFilter, "is_breaking", TagFilter]
    list_select_related = ["article"]
    search_fields = ["text"]
    autocomplete_fields = ["article"]
    prepopulated_fields = {"slug": ["text"]}
    fieldsets = [
        (None, {"fields": ["text", "slug", "article", "url", "tags", "version"]}),
        ("Rail", {"fields": ["position", "is_breaking", "breaking_until"]}),
        ("Publishing", {"fields": ["status", "published_at"], "description": PUBLISHING_HELP}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not self.has_publish_permission(request):
            changelist.list_editable = ()  # the rail's order is an editor's call
        return changelist

    @admin.display(description="breaking", boolean=True)
    def breaking(self, obj):
        return obj.is_breaking and (obj.breaking_until is None or obj.breaking_until > timezone.now())


class TagNameAutocompleteView(AutocompleteJsonView):
    """The admin's tag autocomplete, answering with names: the values the tag field takes."""

    def serialize_result(self, obj, to_field_name):
        return {"id": obj.name, "text": obj.name}


def use_count(through):
    """The number of `through` rows of each tag, as a subquery: two counts never multiply rows."""
    rows = through.objects.filter(tag=OuterRef("pk")).order_by().values("tag").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n")), 0)


@transaction.atomic
def merge_tags(survivor, others):
    """Move every item of `others` to `survivor`, delete them, and redirect their pages to it.

    Items already tagged with the survivor (or with several of the others) get
    one through row, never two. Each item whose tags changed gets a new
    `updated_at`, so caches keyed on it see the change.
    """
    others = others.exclude(pk=survivor.pk)
    now = timezone.now()
    for model, through in ((Article, TaggedArticle), (Headline, TaggedHeadline)):
        moved = set(through.objects.filter(tag__in=others).values_list("content_object_id", flat=True))
        kept = set(through.objects.filter(tag=survivor).values_list("content_object_id", flat=True))
        through.objects.bulk_create([through(tag=survivor, content_object_id=pk) for pk in moved - kept])
        model.objects.filter(pk__in=moved).update(updated_at=now)
    TagRedirect.objects.filter(tag__in=others).update(tag=survivor)
    for tag in others:
        TagRedirect.objects.update_or_create(old_slug=tag.slug, defaults={"tag": survivor})
    TagRedirect.objects.filter(old_slug=survivor.slug).delete()
    others.delete()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagAdminForm
    list_display = ["name", "slug", "article_count", "headline_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description"]
    actions = ["merge"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=use_count(TaggedArticle), headline_count=use_count(TaggedHeadline))
        )

    def get_urls(self):
        view = TagNameAutocompleteView.as_view(admin_site=self.admin_site)
        return [
            path("names/", self.admin_site.admin_view(view), name="articles_tag_names"),
            *super().get_urls(),
        ]

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        return self.desk_link(Article, obj, obj.article_count)

    @admin.display(description="headlines", ordering="headline_count")
    def headline_count(self, obj):
        return self.desk_link(Headline, obj, obj.headline_count)

    @staticmethod
    def desk_link(model, tag, count):
        """`count`, linked to the desk's list of `model` filtered on `tag` (a 0 leads nowhere)."""
        if not count:
            return count
        url = reverse(f"admin:articles_{model._meta.model_name}_changelist")
        return format_html(
            '<a href="{}?{}">{}</a>', url, urlencode({TagFilter.parameter_name: tag.pk}), count
        )

    @admin.action(description="Merge selected tags…", permissions=["change", "delete"])
    def merge(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, "Select at least two tags to merge.", messages.WARNING)
            return None
        form = MergeTagsForm(request.POST if "apply" in request.POST else None, tags=queryset)
        if form.is_valid():
            survivor = form.cleaned_data["survivor"]
            names = ", ".join(tag.name for tag in queryset.exclude(pk=survivor.pk))
            merge_tags(survivor, queryset)
            self.log_change(request, survivor, f"Merged in {names}")
            self.message_user(request, f"Merged {names} into {survivor.name}.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/articles/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge tags",
                "intro": "These tags become one:",
                "submit_label": "Merge",
                "action": "merge",
                "opts": self.opts,
                "items": queryset,
                "form": form,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )
