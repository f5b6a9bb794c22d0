from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.front_page, name="front-page"),
    path("articles/<slug:slug>/", views.article_detail, name="article-detail"),
    path("headlines/<slug:slug>/", views.headline_detail, name="headline-detail"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
]
