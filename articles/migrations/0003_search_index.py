"""The SQLite full-text index (FTS5) behind reader search, kept in sync by triggers.

One FTS5 table holds articles and headlines. Its rowid says what a row is:
an article's is `2 * id`, a headline's `2 * id + 1`, so the triggers find a row
by rowid (an index lookup) rather than by scanning. Triggers, not Python
signals, keep it in sync, so `save()`, `loaddata`, `bulk_create()` and
`update()` all do. Markup the sanitiser allows is replaced by spaces before
indexing, so searching "strong" does not find every bolded article.

The migration does nothing on other databases: the PostgreSQL backend brings
its own index (see `articles/search.py`).
"""

from django.db import migrations

# The sanitiser's allow-list (articles/html.py) frozen here, as a migration must be.
TAGS = [
    "p", "br", "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "strong", "em", "b", "i", "u", "s",
    "sub", "sup", "code", "pre", "a", "figure", "figcaption", "hr", "abbr", "cite", "q",
]
MARKUP = (
    [piece for tag in TAGS for piece in (f"<{tag}>", f"</{tag}>", f"<{tag} ")]
    + [' rel="noopener noreferrer nofollow"', 'href="', 'title="', '">']
)
ENTITIES = [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")]


# SQLite's parser overflows past about 30 nested calls, so the replacements run in
# stages, each a subquery over the one before.
STAGE_LENGTH = 15


def plain_text_query(column):
    """A subquery giving `column`'s text, as `plain`, with the allowed markup removed and entities decoded."""
    replacements = [(piece, " ") for piece in MARKUP] + ENTITIES
    query = f"SELECT {column} AS plain"
    for start in range(0, len(replacements), STAGE_LENGTH):
        expression = "plain"
        for old, new in replacements[start : start + STAGE_LENGTH]:
            expression = f"replace({expression}, '{old}', '{new}')"
        query = f"SELECT {expression} AS plain FROM ({query})"
    return query


INSERT_ARTICLE = f"""INSERT INTO articles_search (rowid, title, text)
        SELECT 2 * new.id, new.title, new.standfirst || ' ' || plain FROM ({plain_text_query("new.body")});"""
INSERT_HEADLINE = "INSERT INTO articles_search (rowid, title, text) VALUES (2 * new.id + 1, new.text, '');"

CREATE = [
    "CREATE VIRTUAL TABLE articles_search USING fts5(title, text, tokenize = 'unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER articles_search_article_insert AFTER INSERT ON articles_article BEGIN
        {INSERT_ARTICLE}
    END""",
    f"""CREATE TRIGGER articles_search_article_update AFTER UPDATE OF title, standfirst, body ON articles_article
    BEGIN
        DELETE FROM articles_search WHERE rowid = 2 * old.id;
        {INSERT_ARTICLE}
    END""",
    """CREATE TRIGGER articles_search_article_delete AFTER DELETE ON articles_article BEGIN
        DELETE FROM articles_search WHERE rowid = 2 * old.id;
    END""",
    f"""CREATE TRIGGER articles_search_headline_insert AFTER INSERT ON articles_headline BEGIN
        {INSERT_HEADLINE}
    END""",
    f"""CREATE TRIGGER articles_search_headline_update AFTER UPDATE OF text ON articles_headline BEGIN
        DELETE FROM articles_search WHERE rowid = 2 * old.id + 1;
        {INSERT_HEADLINE}
    END""",
    """CREATE TRIGGER articles_search_headline_delete AFTER DELETE ON articles_headline BEGIN
        DELETE FROM articles_search WHERE rowid = 2 * old.id + 1;
    END""",
    # Index what is already there: naming the columns in an UPDATE fires the update triggers.
    "UPDATE articles_article SET body = body",
    "UPDATE articles_headline SET text = text",
]
DROP = [
    *(
        f"DROP TRIGGER IF EXISTS articles_search_{model}_{event}"
        for model in ("article", "headline")
        for event in ("insert", "update", "delete")
    ),
    "DROP TABLE IF EXISTS articles_search",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_editorial_groups")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
