"""Feeds, sitemaps, robots.txt and the JSON-LD of article pages, parsed as their consumers parse them."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Status

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture
def content(make_article, make_headline):
    article = make_article(title="Ports & <trade> talks", byline="Ada Reporter", tags=["Trade"])
    make_article(title="Secret draft", status=Status.DRAFT, published_at=None, tags=["Trade"])
    make_article(title="Tomorrow's story", published_at=timezone.now() + timedelta(days=1), tags=["Trade"])
    make_headline(text="Rail item with a story", article=article)
    make_headline(text="Rail item elsewhere", url="https://example.com/report")
    make_headline(text="Draft rail item", status=Status.DRAFT, published_at=None)
    return article


def parse_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    for entry in feed.entries:
        assert entry.title and entry.link and (entry.get("published_parsed") or entry.get("updated_parsed"))
    return feed


@pytest.mark.parametrize("name", ["articles:articles-feed-rss", "articles:articles-feed-atom"])
def test_article_feeds_list_published_articles(client, content, name):
    feed = parse_feed(client, reverse(name))
    assert [entry.title for entry in feed.entries] == ["Ports & <trade> talks"]
    entry = feed.entries[0]
    assert entry.link == "http://testserver" + content.get_absolute_url()
    assert entry.author == "Ada Reporter"
    assert [tag.term for tag in entry.tags] == ["Trade"]


@pytest.mark.parametrize("name", ["articles:tag-feed-rss", "articles:tag-feed-atom"])
def test_tag_feeds_list_the_tags_published_articles(client, content, make_article, name):
    make_article(title="Off topic", tags=["Weather"])
    feed = parse_feed(client, reverse(name, args=["trade"]))
    assert [entry.title for entry in feed.entries] == ["Ports & <trade> talks"]
    assert feed.feed.title.startswith("Trade")
    assert client.get(reverse(name, args=["nothing"])).status_code == 404


def test_headline_feed_follows_the_rail(client, content):
    feed = parse_feed(client, reverse("articles:headlines-feed-rss"))
    links = {entry.title: entry.link for entry in feed.entries}
    assert links == {
        "Rail item with a story": "http://testserver" + content.get_absolute_url(),
        "Rail item elsewhere": "https://example.com/report",
    }


def test_feeds_are_discoverable_from_every_page(client, content):
    html = client.get(content.get_absolute_url()).content.decode()
    for name in ["articles-feed-rss", "articles-feed-atom", "headlines-feed-rss"]:
        assert 'rel="alternate" type="application/' in html
        assert f'href="{reverse("articles:" + name)}"' in html


def test_feeds_answer_conditional_requests(client, content):
    url = reverse("articles:articles-feed-rss")
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_sitemap_lists_articles_tags_and_archives(client, content):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locations = [url.findtext(f"{SITEMAP}loc") for url in root.iter(f"{SITEMAP}url")]
    published = content.published_at
    assert "http://testserver" + content.get_absolute_url() in locations
    assert "http://testserver/tags/trade/" in locations
    assert f"http://testserver/archive/{published.year}/{published.month}/" in locations
    assert not any(
        "article-" in loc and loc != "http://testserver" + content.get_absolute_url() for loc in locations
    )


def test_news_sitemap_has_the_last_two_days(client, content, make_article):
    make_article(title="Last week", published_at=timezone.now() - timedelta(days=7))
    root = ET.fromstring(client.get("/news-sitemap.xml").content)
    urls = list(root.iter(f"{SITEMAP}url"))
    assert [url.findtext(f"{SITEMAP}loc") for url in urls] == [
        "http://testserver" + content.get_absolute_url()
    ]
    news = urls[0].find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}title") == "Ports & <trade> talks"
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Newsroom"
    assert news.findtext(f"{NEWS}publication_date").startswith(str(content.published_at.year))


def test_robots_txt_names_the_sitemaps(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Sitemap: http://testserver/news-sitemap.xml" in text


def json_ld(html):
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert len(found) == 1
    return json.loads(found[0])


def test_article_json_ld_describes_the_news_article(client, content):
    data = json_ld(client.get(content.get_absolute_url()).content.decode())
    content.refresh_from_db()
    url = "http://testserver" + content.get_absolute_url()
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == content.title
    assert data["description"] == content.standfirst
    assert data["datePublished"].startswith(content.published_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert data["dateModified"].startswith(content.updated_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert data["author"] == {"@type": "Person", "name": "Ada Reporter"}
    assert data["keywords"] == ["Trade"]
    assert data["publisher"]["name"] == "Newsroom"
    assert data["mainEntityOfPage"]["@id"] == url


def test_json_ld_cannot_be_broken_out_of(client, make_article):
    title = 'Bad </script><script>alert("x")</script> & <!-- title'
    article = make_article(title=title)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "</script><script>" not in html
    assert json_ld(html)["headline"] == title


@pytest.mark.parametrize(
    "name", ["articles:articles-feed-rss", "articles:articles-feed-atom", "articles:headlines-feed-rss"]
)
def test_feed_descriptions_stay_text_in_html_rendering_readers(client, make_article, make_headline, name):
    make_article(title="T", standfirst='<script>alert("x")</script> & <b>more</b>')
    make_headline(text='<img src=x onerror="alert(1)">')
    feed = parse_feed(client, reverse(name))
    for entry in feed.entries:
        assert "<script" not in entry.summary and "<img" not in entry.summary
        assert "&lt;" in entry.summary
