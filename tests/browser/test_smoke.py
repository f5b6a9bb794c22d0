import pytest


@pytest.mark.django_db(transaction=True)
def test_front_page_opens_in_chromium(live_server, page, make_article):
    article = make_article(title="A story readers can open")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=article.title).click()
    assert page.locator("h1").inner_text() == article.title
