"""Fill the configured database with generated content for benchmarks.

    DATABASE_URL=... python bench/generate.py --articles 10000

makes N articles, 10·N headlines and a few hundred tags through the project's
own models, with `bulk_create` in batches (10,000 articles and 100,000
headlines take about a minute on SQLite or PostgreSQL). The text is drawn from
the words of the source documents in `fixtures/source/` and a built-in news
vocabulary, with a Zipf-like spread so that some words are common and most are
rare, as in real copy. The same
`--seed` gives the same content. Run `manage.py migrate` first; `--clear`
removes all articles, headlines and tags before generating.
"""

import argparse
import os
import random
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

VOCABULARY_TEXT = """
government minister election vote council budget economy inflation market shares bank interest rates
growth recession trade tariff export import energy oil gas electricity climate weather storm flood
drought heat wildfire police court judge trial verdict appeal law parliament senate congress bill
policy reform tax health hospital doctors nurses patients vaccine virus research university students
schools teachers exam science space rocket launch satellite technology software company startup
investors profit loss jobs unemployment wages strike union workers factory housing rent prices homes
transport railway trains airport flights airline roads traffic city region village mayor residents
protest rally campaign candidate party opposition coalition leader president prime spokesperson
statement report survey data analysis officials agency ministry department army troops defence peace
talks ceasefire border refugees migrants aid charity festival film music album concert theatre museum
art exhibition book author award prize football match league cup final season coach player goal team
tennis olympic record marathon cycling race championship water river coast island mountain forest
wildlife species conservation farmers harvest food supply chain retail shoppers online digital privacy
security cyber attack hackers internet platform social media network phone mobile battery electric
vehicles cars emissions carbon renewable solar wind nuclear plant grid investment fund pension savings
debt deficit currency dollar euro pound yen stock exchange index quarter annual results forecast
outlook warning risk crisis recovery plan strategy review inquiry investigation scandal resignation
"""
FILLER_TEXT = """
the the the of of and and to to a a in in is was for on that with as by at from it its
has have had been will would could said says after before over under about into more than
new first last year years week month day today yesterday people country national local
"""
VOCABULARY = VOCABULARY_TEXT.split()
FILLER = FILLER_TEXT.split()
TAG_WORDS = sorted(set(VOCABULARY))
STATUSES = ["published"] * 95 + ["draft"] * 3 + ["scheduled"] * 2


def source_words():
    words = []
    for path in sorted((BASE_DIR / "fixtures" / "source").glob("*.txt")):
        words += re.findall(r"[A-Za-z][a-z]{2,}", path.read_text(encoding="utf-8"))
    return words


class Writer:
    """Sentences, titles and paragraphs from a Zipf-weighted vocabulary."""

    def __init__(self, rng):
        self.rng = rng
        words = list(dict.fromkeys(VOCABULARY + [w.lower() for w in source_words()]))
        rng.shuffle(words)
        self.words = words
        self.weights = [1 / (rank + 1) ** 0.9 for rank in range(len(words))]

    def phrase(self, n):
        picked = self.rng.choices(self.words, self.weights, k=n)
        # One word in three is a function word, as in English prose.
        return [self.rng.choice(FILLER) if self.rng.random() < 0.33 else word for word in picked]

    def sentence(self, low=8, high=22):
        words = self.phrase(self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def title(self):
        return " ".join(self.phrase(self.rng.randint(5, 11))).capitalize()

    def paragraph(self):
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def body(self):
        paragraphs = [self.paragraph() for _ in range(self.rng.randint(5, 12))]
        if self.rng.random() < 0.3:
            paragraphs.insert(2, f"<strong>{self.sentence()}</strong>")
        return "".join(f"<p>{p}</p>" for p in paragraphs)


def publication(rng, now):
    """A status and publication time: mostly published over three years, some drafts and scheduled."""
    kind = rng.choice(STATUSES)
    if kind == "draft":
        return "draft", None
    if kind == "scheduled":
        return "published", now + timedelta(minutes=rng.randint(60, 60 * 24 * 14))
    return "published", now - timedelta(seconds=rng.randint(60, 3 * 365 * 24 * 3600))


def generate(articles, headline_ratio, tag_count, seed, stdout):
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article, Headline, Tag, TaggedArticle, TaggedHeadline, ascii_slug

    rng = random.Random(seed)
    writer = Writer(rng)
    now = timezone.now()
    started = time.monotonic()
    run = f"g{seed}"
    with transaction.atomic():
        tags = Tag.objects.bulk_create(
            [
                Tag(name=name, slug=ascii_slug(name))
                for name in (
                    f"{rng.choice(TAG_WORDS).capitalize()} {rng.choice(TAG_WORDS)} {n}"
                    for n in range(tag_count)
                )
            ],
            batch_size=1000,
        )
        tag_weights = [1 / (rank + 1) for rank in range(len(tags))]

        rows = []
        for n in range(articles):
            status, published_at = publication(rng, now)
            title = writer.title()
            rows.append(
                Article(
                    title=title,
                    slug=f"{ascii_slug(title, max_length=100)}-{run}-{n}",
                    standfirst=writer.sentence(15, 30),
                    body=writer.body(),
                    byline=f"{rng.choice(writer.words).capitalize()} {rng.choice(writer.words).capitalize()}",
                    status=status,
                    published_at=published_at,
                    created_at=now,
                )
            )
        created = Article.objects.bulk_create(rows, batch_size=500)
        TaggedArticle.objects.bulk_create(
            [
                TaggedArticle(content_object=article, tag=tag)
                for article in created
                for tag in set(rng.choices(tags, tag_weights, k=rng.randint(1, 5)))
            ],
            batch_size=2000,
        )
        stdout.write(f"{len(created)} articles in {time.monotonic() - started:.1f}s\n")

        rows = []
        for n in range(articles * headline_ratio):
            status, published_at = publication(rng, now)
            text = writer.title()
            linked = rng.random() < 0.4
            rows.append(
                Headline(
                    text=text,
                    slug=f"{ascii_slug(text, max_length=100)}-{run}-{n}",
                    article=rng.choice(created) if linked else None,
                    url="" if linked or rng.random() < 0.5 else f"https://example.org/news/{run}/{n}",
                    position=n,
                    is_breaking=rng.random() < 0.001,
                    status=status,
                    published_at=published_at,
                    created_at=now,
                )
            )
        headlines = Headline.objects.bulk_create(rows, batch_size=2000)
        TaggedHeadline.objects.bulk_create(
            [
                TaggedHeadline(content_object=headline, tag=tag)
                for headline in headlines
                for tag in set(rng.choices(tags, tag_weights, k=rng.randint(0, 3)))
            ],
            batch_size=5000,
        )
    stdout.write(
        f"{len(created)} articles, {len(headlines)} headlines, {len(tags)} tags"
        f" in {time.monotonic() - started:.1f}s\n"
    )


def clear():
    from articles.models import Article, Headline, Tag

    Headline.objects.all().delete()
    Article.objects.all().delete()
    Tag.objects.all().delete()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="number of articles [1000]")
    parser.add_argument("--headline-ratio", type=int, default=10, help="headlines per article [10]")
    parser.add_argument("--tags", type=int, default=300, help="number of tags [300]")
    parser.add_argument("--seed", type=int, default=1, help="random seed [1]")
    parser.add_argument("--clear", action="store_true", help="delete all content first")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    if args.clear:
        clear()
    generate(args.articles, args.headline_ratio, args.tags, args.seed, sys.stdout)


if __name__ == "__main__":
    main()
