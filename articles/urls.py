from django.urls import path

from . import feeds, views
from .caching import conditional_page

app_name = "articles"

urlpatterns = [
    path("", views.front_page, name="front-page"),
    path("articles/<slug:slug>/", views.article_detail, name="article-detail"),
    path("headlines/", views.HeadlineListView.as_view(), name="headline-list"),
    path("headlines/<slug:slug>/", views.headline_detail, name="headline-detail"),
    path("tags/", views.TagListView.as_view(), name="tag-list"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
    path("tags/<slug:slug>/feed.rss", conditional_page(feeds.TagArticlesFeed()), name="tag-feed-rss"),
    path("tags/<slug:slug>/feed.atom", conditional_page(feeds.TagArticlesAtomFeed()), name="tag-feed-atom"),
    path("archive/", views.ArchiveIndex.as_view(), name="archive-index"),
    path("archive/<int:year>/", views.ArchiveYear.as_view(), name="archive-year"),
    path("archive/<int:year>/<int:month>/", views.ArchiveMonth.as_view(), name="archive-month"),
    path("search/", views.search, name="search"),
    path("feeds/articles.rss", conditional_page(feeds.LatestArticlesFeed()), name="articles-feed-rss"),
    path("feeds/articles.atom", conditional_page(feeds.LatestArticlesAtomFeed()), name="articles-feed-atom"),
    path("feeds/headlines.rss", conditional_page(feeds.HeadlinesFeed()), name="headlines-feed-rss"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]
