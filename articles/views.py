"""Reader pages. Each runs a fixed number of queries, whatever the amount of content.

Every page goes through `conditional_page` (articles/caching.py): readers get an
ETag and 304s, staff get private, unstored responses (they may be previewing).
"""

from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Exists, OuterRef, Value
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import ArchiveIndexView, ListView, MonthArchiveView, YearArchiveView

from . import search as site_search
from .caching import conditional_page
from .models import Article, Headline, Status, Tag, TaggedArticle, TaggedHeadline, TagRedirect

LATEST_COUNT = 10
RAIL_LENGTH = 20
TAG_NAV_LENGTH = 12
RELATED_COUNT = 5
PER_PAGE = 20
# The front page's topics are those of this many latest articles: counting every tagging in the
# archive cost most of the page at 10,000 articles.
TAG_NAV_WINDOW = 100
# Related items are ranked among this many of the newest items sharing a tag, so a popular tag
# does not make the page count every item that carries it.
RELATED_WINDOW = 200


def front_page_tags():
    """The topics of the latest published articles, the most used among them first: one indexed query."""
    latest = Article.objects.published().order_by("-published_at", "-pk").values("pk")[:TAG_NAV_WINDOW]
    return (
        Tag.objects.filter(tagged_articles__content_object__in=latest)
        .annotate(article_count=Count("tagged_articles"))
        .order_by("-article_count", "name")[:TAG_NAV_LENGTH]
    )


def tags_with_counts():
    """Tags in use by published items, by name, with `article_count` and `headline_count`.

    The counts are one query, GROUP BY tag over each through table joined to published items (a
    UNION ALL of the two), and the tags one more: two queries whatever the number of tags, instead
    of two correlated counts for every tag.
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
    tags = list(Tag.objects.filter(pk__in=list(found)).order_by("name"))
    for tag in tags:
        tag.__dict__.update(found[tag.pk])
    return tags


def recent_sharing_tags(items, tags, window=RELATED_WINDOW):
    """`items` sharing any of `tags`, most shared first, among the `window` newest that share one."""
    through = items.model._meta.get_field("tags").remote_field.through
    tag_ids = [tag.pk for tag in tags]
    if not tag_ids:
        return items.none()
    newest = (
        items.filter(Exists(through.objects.filter(content_object=OuterRef("pk"), tag__in=tag_ids)))
        .order_by("-published_at", "-pk")
        .values("pk")[:window]
    )
    return items.filter(pk__in=newest).sharing_tags(tag_ids)


def page_of(request, items, per_page=PER_PAGE, param="page"):
    """The page of `items` that query parameter `param` names: the first for junk, the last past the end."""
    return Paginator(items, per_page).get_page(request.GET.get(param))


@conditional_page
def front_page(request):
    # One query for the lead and the latest; `or [None]` gives an empty site no lead.
    lead, *latest = Article.objects.published().for_listing()[: LATEST_COUNT + 1] or [None]
    return render(
        request,
        "articles/front_page.html",
        {
            "lead": lead,
            "latest": latest,
            "rail": Headline.objects.rail().select_related("article")[:RAIL_LENGTH],
            "tags": front_page_tags(),
        },
    )


@conditional_page
def article_detail(request, slug):
    article = get_object_or_404(Article.objects.visible_to(request.user).for_listing(), slug=slug)
    published = Article.objects.published()
    tags = article.tags.all()  # prefetched by for_listing(): no query
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "is_preview": not article.is_published,
            "corrections": article.corrections.all(),
            "related_articles": recent_sharing_tags(published.exclude(pk=article.pk), tags)[:RELATED_COUNT],
            "related_headlines": (
                recent_sharing_tags(Headline.objects.published(), tags).select_related("article")[
                    :RELATED_COUNT
                ]
            ),
            "previous": published.previous_to(article) if article.is_published else None,
            "next": published.next_to(article) if article.is_published else None,
        },
    )


@conditional_page
def headline_detail(request, slug):
    headline = get_object_or_404(Headline.objects.visible_to(request.user).for_listing(), slug=slug)
    return render(
        request,
        "articles/headline_detail.html",
        {"headline": headline, "is_preview": not headline.is_published},
    )


@method_decorator(conditional_page, name="dispatch")
class HeadlineListView(ListView):
    model = Headline
    paginate_by = 50

    def get_queryset(self):
        return Headline.objects.published().select_related("article").order_by("-published_at", "-pk")


@method_decorator(conditional_page, name="dispatch")
class TagListView(ListView):
    model = Tag
    paginate_by = 300
    # The object list is a list (tags_with_counts), which names neither template nor context.
    template_name = "articles/tag_list.html"
    context_object_name = "tag_list"

    def get_queryset(self):
        return tags_with_counts()


@conditional_page
def tag_detail(request, slug):
    """A tag's articles and headlines; the slug of a tag merged away redirects to the one it became."""
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        merged = get_object_or_404(TagRedirect.objects.select_related("tag"), old_slug=slug)
        return redirect(merged.tag, permanent=True)
    return render(
        request,
        "articles/tag_detail.html",
        {
            "tag": tag,
            "page_obj": page_of(request, Article.objects.published().filter(tags=tag).for_listing()),
            "headlines": page_of(
                request,
                Headline.objects.published()
                .filter(tags=tag)
                .select_related("article")
                .order_by("-published_at"),
                param="headlines",
            ),
        },
    )


class ArticleArchiveMixin:
    model = Article
    date_field = "published_at"
    paginate_by = PER_PAGE

    def get_queryset(self):
        return Article.objects.published().for_listing()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            years=Article.objects.published().dates("published_at", "year", order="DESC"), **kwargs
        )


@method_decorator(conditional_page, name="dispatch")
class ArchiveIndex(ArticleArchiveMixin, ArchiveIndexView):
    date_list_period = "month"


@method_decorator(conditional_page, name="dispatch")
class ArchiveYear(ArticleArchiveMixin, YearArchiveView):
    make_object_list = True


@method_decorator(conditional_page, name="dispatch")
class ArchiveMonth(ArticleArchiveMixin, MonthArchiveView):
    month_format = "%m"


@conditional_page
def search(request):
    query = request.GET.get("q", "")
    return render(
        request,
        "articles/search_results.html",
        {"query": query, "page_obj": page_of(request, site_search.search(query))},
    )


@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not: for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
