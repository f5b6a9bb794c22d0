"""The PostgreSQL full-text index behind reader search: stored, weighted search vectors.

Each article and headline gets a `search_vector` column that PostgreSQL itself
computes on every write (a stored generated column), so `save()`, `loaddata`,
`bulk_create()` and `update()` all keep it current, with a GIN index on it.
Weights: an article's title A, standfirst B, body C; a headline's text A.

The text search configuration `newsroom_search` matches the SQLite FTS5 index
of migration 0003 (unicode61, remove_diacritics): words are lower-cased and
stripped of accents, never stemmed, and no stop words are dropped, so both
backends find the same items for the same words. Markup the sanitiser allows is
replaced by spaces before indexing. The body is indexed up to its first
300,000 characters, which keeps any article inside PostgreSQL's 1 MB tsvector
limit.

Raw SQL, not a `GeneratedField`: SQLite has no tsvector, and the models stay
the same on both databases. The migration does nothing on other databases.
"""

from django.db import migrations

CONFIG = "newsroom_search"
BODY_INDEXED_CHARACTERS = 300_000

# PostgreSQL's parser keeps some punctuated runs whole (hosts, e-mail addresses,
# paths, decimals, versions, signed numbers: "example.com", "3.5", "-11") where
# FTS5 sees separate words, and readers' queries are words; these characters
# become spaces first so both indexes hold the same words.
JOINERS = "[-+.@/:]"


def words(expression):
    return f"regexp_replace({expression}, '{JOINERS}', ' ', 'g')"


# The sanitiser's allow-list makes `<...>` the only markup; entities as 0003 decodes them.
PLAIN_BODY = (
    "replace(replace(replace(replace(replace("
    f"regexp_replace(left(body, {BODY_INDEXED_CHARACTERS}), '<[^>]*>', ' ', 'g'), "
    "'&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), '&amp;', '&')"
)


def vector(expression, weight):
    return f"setweight(to_tsvector('{CONFIG}'::regconfig, {words(expression)}), '{weight}')"


ARTICLE_VECTOR = " || ".join(
    [vector("coalesce(title, '')", "A"), vector("coalesce(standfirst, '')", "B"), vector(PLAIN_BODY, "C")]
)
HEADLINE_VECTOR = vector("coalesce(text, '')", "A")

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.simple)",
    f"""ALTER TEXT SEARCH CONFIGURATION {CONFIG}
        ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
        WITH unaccent, simple""",
    f"""ALTER TABLE articles_article
        ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({ARTICLE_VECTOR}) STORED""",
    "CREATE INDEX articles_article_search_idx ON articles_article USING gin (search_vector)",
    f"""ALTER TABLE articles_headline
        ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({HEADLINE_VECTOR}) STORED""",
    "CREATE INDEX articles_headline_search_idx ON articles_headline USING gin (search_vector)",
]
DROP = [
    "ALTER TABLE articles_headline DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_search_index")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
