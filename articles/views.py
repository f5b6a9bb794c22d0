"""Reader pages. Each runs a fixed number of queries, whatever the amount of content."""

from django.shortcuts import get_object_or_404, render

from .models import Article, Headline, Tag


def front_page(request):
    articles = Article.objects.published().for_listing()
    return render(
        request,
        "articles/front_page.html",
        {
            "lead": articles.first(),
            "latest": articles[1:11],
            "rail": Headline.objects.rail().for_listing(),
        },
    )


def article_detail(request, slug):
    article = get_object_or_404(Article.objects.published().for_listing(), slug=slug)
    return render(request, "articles/article_detail.html", {"article": article})


def headline_detail(request, slug):
    headline = get_object_or_404(Headline.objects.published().for_listing(), slug=slug)
    return render(request, "articles/headline_detail.html", {"headline": headline})


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    return render(
        request,
        "articles/tag_detail.html",
        {
            "tag": tag,
            "articles": Article.objects.published().filter(tags=tag).for_listing()[:20],
            "headlines": Headline.objects.published().filter(tags=tag).for_listing()[:20],
        },
    )
