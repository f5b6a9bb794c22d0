"""RSS 2.0 and Atom feeds: the latest articles, each tag's articles, and the headline rail.

Feed readers render an item's description (an Atom summary) as HTML, so the
plain text of a standfirst, headline or tag is HTML-escaped before the feed's own
XML escaping: a "<script>" in it stays text in every reader.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from .models import Article, Headline, Tag

FEED_LENGTH = 30


class LatestArticlesFeed(Feed):
    title = settings.NEWSROOM_SITE_NAME
    link = reverse_lazy("articles:front-page")
    description = settings.NEWSROOM_SITE_DESCRIPTION

    def items(self):
        return Article.objects.published().for_listing()[:FEED_LENGTH]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return escape(article.standfirst)

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.byline or None

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class TagArticlesFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, tag):
        return f"{tag.name} · {settings.NEWSROOM_SITE_NAME}"

    def link(self, tag):
        return tag.get_absolute_url()

    def description(self, tag):
        return escape(tag.description or f"The latest articles about {tag.name}.")

    def items(self, tag):
        return Article.objects.published().filter(tags=tag).for_listing()[:FEED_LENGTH]


class TagArticlesAtomFeed(TagArticlesFeed):
    feed_type = Atom1Feed

    def subtitle(self, tag):
        return self.description(tag)


class HeadlinesFeed(Feed):
    title = f"Headlines · {settings.NEWSROOM_SITE_NAME}"
    link = reverse_lazy("articles:headline-list")
    description = "The headline rail, in the editors' order."

    def items(self):
        return Headline.objects.rail().select_related("article").prefetch_related("tags")[:FEED_LENGTH]

    def item_title(self, headline):
        return headline.text

    def item_description(self, headline):
        return escape(headline.text)

    def item_link(self, headline):
        return headline.link

    def item_guid(self, headline):
        return headline.get_absolute_url()

    item_guid_is_permalink = False

    def item_pubdate(self, headline):
        return headline.published_at

    def item_categories(self, headline):
        return [tag.name for tag in headline.tags.all()]
