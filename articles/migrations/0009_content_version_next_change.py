"""The content version also knows when it will next change by the clock alone.

A scheduled article or headline going live, or a breaking banner expiring,
changes what readers see without any write. The fingerprint used to find the
newest such time that had passed with three indexed subqueries on every
request; now the version row holds `next_change_at`, the earliest such time
still ahead (stored as the database stores `published_at`, so comparing it
with the clock means what `published()` means; NULL when none is), and the triggers of
migration 0005 recompute it on every write. A request reads the one row, and
only when the clock has passed `next_change_at` does it bump the version and
move `next_change_at` on (`articles.caching.content_state`).
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


def next_change(now):
    """The earliest publication or banner expiry after `now` (an SQL expression for the time)."""
    return f"""(SELECT min(t) FROM (
        SELECT min(published_at) AS t FROM articles_article WHERE status = 'published' AND published_at > {now}
        UNION ALL
        SELECT min(published_at) FROM articles_headline WHERE status = 'published' AND published_at > {now}
        UNION ALL
        SELECT min(breaking_until) FROM articles_headline WHERE is_breaking AND breaking_until > {now}) AS times)"""


SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
SQLITE_BUMP = (
    "UPDATE articles_content_version SET version = version + 1,"
    " changed_at = (julianday('now') - 2440587.5) * 86400.0,"
    f" next_change_at = {next_change(SQLITE_NOW)} WHERE id = 1"
)
OLD_SQLITE_BUMP = (
    "UPDATE articles_content_version SET version = version + 1,"
    " changed_at = (julianday('now') - 2440587.5) * 86400.0 WHERE id = 1"
)


def sqlite_triggers(bump):
    return [
        statement
        for table in TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
        for statement in (
            f"DROP TRIGGER IF EXISTS {table}_version_{event.lower()}",
            f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} BEGIN {bump}; END",
        )
    ]


SQLITE = [
    "ALTER TABLE articles_content_version ADD COLUMN next_change_at text",
    *sqlite_triggers(SQLITE_BUMP),
    f"UPDATE articles_content_version SET next_change_at = {next_change(SQLITE_NOW)} WHERE id = 1",
]
SQLITE_DROP = [
    *sqlite_triggers(OLD_SQLITE_BUMP),
    "ALTER TABLE articles_content_version DROP COLUMN next_change_at",
]

def postgresql_function(body):
    return f"""CREATE OR REPLACE FUNCTION articles_bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE now timestamptz := clock_timestamp();
        BEGIN
            {body}
            RETURN NULL;
        END
    $$"""


POSTGRESQL = [
    "ALTER TABLE articles_content_version ADD COLUMN next_change_at timestamptz",
    postgresql_function(
        f"""UPDATE articles_content_version
               SET version = version + 1, changed_at = extract(epoch FROM now),
                   next_change_at = {next_change("now")}
             WHERE id = 1;"""
    ),
    f"UPDATE articles_content_version SET next_change_at = {next_change('clock_timestamp()')} WHERE id = 1",
]
POSTGRESQL_DROP = [
    postgresql_function(
        """UPDATE articles_content_version
               SET version = version + 1, changed_at = extract(epoch FROM now)
             WHERE id = 1;"""
    ),
    "ALTER TABLE articles_content_version DROP COLUMN next_change_at",
]


def run(statements):
    def operation(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_desk_order_indexes")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        )
    ]
