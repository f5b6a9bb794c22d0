"""Sitemaps of what readers can reach: articles, tag pages and monthly archives, plus Google News."""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import timezone

from .models import Article, Tag

NEWS_WINDOW = timedelta(days=2)


class ArticleSitemap(Sitemap):
    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at", "-pk")

    def lastmod(self, article):
        return article.updated_at


class NewsSitemap(Sitemap):
    """The last two days' articles, for the Google News sitemap (templates/sitemaps/news.xml)."""

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return Article.objects.published().filter(published_at__gte=since).order_by("-published_at", "-pk")


class TagSitemap(Sitemap):
    def items(self):
        return Tag.objects.in_use().order_by("name")


class ArchiveSitemap(Sitemap):
    def items(self):
        return Article.objects.published().dates("published_at", "month", order="DESC")

    def location(self, month):
        return reverse("articles:archive-month", args=[month.year, month.month])


SITEMAPS = {"articles": ArticleSitemap, "tags": TagSitemap, "archives": ArchiveSitemap}
