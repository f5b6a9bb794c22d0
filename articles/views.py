"""Reader pages. Each runs a fixed number of queries, whatever the amount of content.

Every page goes through `conditional_page` (articles/caching.py): readers get an
ETag and 304s, staff get private, unstored responses (they may be previewing).
"""

from django.core.paginator import EmptyPage, Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import ArchiveIndexView, ListView, MonthArchiveView, YearArchiveView

from . import search as site_search
from .caching import conditional_page
from .models import Article, Headline, Tag, TagRedirect
from .pagination import UncountedPaginator
from .surroundings import surroundings_of

LATEST_COUNT = 10
RAIL_LENGTH = 20
TAG_NAV_LENGTH = 12
PER_PAGE = 20


def page_of(request, items, per_page=PER_PAGE, param="page"):
    """The page of `items` that query parameter `param` names: the first for junk, the last past the end."""
    return Paginator(items, per_page).get_page(request.GET.get(param))


def uncounted_page_of(request, items, per_page=PER_PAGE, param="page"):
    """The page of `items` that `param` names, found without counting `items`: 404 outside the list."""
    try:
        return UncountedPaginator(items, per_page).get_page(request.GET.get(param))
    except EmptyPage:
        raise Http404("No such page") from None


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
            "tags": Tag.objects.of_latest_articles()[:TAG_NAV_LENGTH],
        },
    )


@conditional_page
def article_detail(request, slug):
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "is_preview": not article.is_published,
            "corrections": article.corrections.all(),
            **surroundings_of(article)._asdict(),
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
    # The object list is a list (Tag.objects.with_counts()), which names neither template nor context.
    template_name = "articles/tag_list.html"
    context_object_name = "tag_list"

    def get_queryset(self):
        return Tag.objects.with_counts()


@conditional_page
def tag_detail(request, slug):
    """A tag's articles and headlines; the slug of a tag merged away redirects to the one it became."""
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        merged = TagRedirect.objects.merged_from(slug)
        if merged is None:
            raise Http404("No such tag")
        return redirect(merged.tag, permanent=True)
    return render(
        request,
        "articles/tag_detail.html",
        {
            "tag": tag,
            "page_obj": uncounted_page_of(
                request, Article.objects.published().filter(tags=tag).for_listing()
            ),
            "headlines": uncounted_page_of(
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
    results = site_search.search(query, page=request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request, "articles/search_results.html", {"query": query, "page_obj": page_of(request, results)}
    )


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, a feed's): send the site's."""
    return redirect(static("img/favicon.svg"))


@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not: for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
