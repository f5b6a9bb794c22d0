"""A content version that the database bumps on every change readers could see.

`articles_content_version` has one row: a counter and the time of the last
change (seconds since the epoch). Triggers on every table whose rows reach a
reader page (articles, headlines, tags, taggings, corrections, tag redirects)
bump it on insert, update and delete, whatever does the writing: the admin,
`save()`, `loaddata`, `bulk_create()`, `update()` or raw SQL. The content
fingerprint of `articles/caching.py` reads this row instead of aggregating
over whole tables, so it costs the same at any size.

On PostgreSQL the triggers are per statement (one bump for a bulk insert, and
TRUNCATE too); SQLite only has row triggers. The table is no model: Django's
`flush` leaves it alone, so the counter only grows.

An index on (is_breaking, breaking_until) lets the fingerprint find the latest
expired breaking banner without a scan.
"""

from django.db import migrations

TABLES = [
    "articles_article",
    "articles_headline",
    "articles_tag",
    "articles_taggedarticle",
    "articles_taggedheadline",
    "articles_correction",
    "articles_tagredirect",
]

COMMON = [
    "CREATE INDEX articles_headline_breaking_idx ON articles_headline (is_breaking, breaking_until)",
]
COMMON_DROP = ["DROP INDEX IF EXISTS articles_headline_breaking_idx"]

SQLITE_BUMP = (
    "UPDATE articles_content_version SET version = version + 1,"
    " changed_at = (julianday('now') - 2440587.5) * 86400.0 WHERE id = 1"
)
SQLITE = [
    """CREATE TABLE articles_content_version (
        id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL, changed_at real NOT NULL)""",
    "INSERT INTO articles_content_version VALUES (1, 0, (julianday('now') - 2440587.5) * 86400.0)",
    *(
        f"""CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table}
            BEGIN {SQLITE_BUMP}; END"""
        for table in TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]
SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_version_{event}"
        for table in TABLES
        for event in ("insert", "update", "delete")
    ),
    "DROP TABLE IF EXISTS articles_content_version",
]

POSTGRESQL = [
    """CREATE TABLE articles_content_version (
        id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL, changed_at double precision NOT NULL)""",
    "INSERT INTO articles_content_version VALUES (1, 0, extract(epoch FROM clock_timestamp()))",
    """CREATE FUNCTION articles_bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_content_version
               SET version = version + 1, changed_at = extract(epoch FROM clock_timestamp())
             WHERE id = 1;
            RETURN NULL;
        END
    $$""",
    *(
        f"""CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION articles_bump_content_version()"""
        for table in TABLES
    ),
]
POSTGRESQL_DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_version ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS articles_bump_content_version()",
    "DROP TABLE IF EXISTS articles_content_version",
]


def run(statements):
    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in statements.get(vendor, []) + statements["common"]:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_postgres_search")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL, "common": COMMON}),
            run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP, "common": COMMON_DROP}),
        )
    ]
