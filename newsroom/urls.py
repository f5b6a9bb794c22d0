from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from articles.caching import conditional_page
from articles.sitemaps import SITEMAPS, NewsSitemap

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", conditional_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "news-sitemap.xml",
        conditional_page(sitemap),
        {"sitemaps": {"news": NewsSitemap}, "template_name": "sitemaps/news.xml"},
        name="news-sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("", include("articles.urls")),
]
