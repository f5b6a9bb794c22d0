"""The content-version triggers find the next banner expiry through the index, not by scanning it.

Migration 0009's triggers look for the earliest `breaking_until` still ahead
with `WHERE is_breaking AND breaking_until > now`. SQLite does not read a bare
boolean column as `is_breaking = 1`, so it walked the whole
(is_breaking, breaking_until) index on every row written to any content table:
9 ms a row at 100,000 headlines, which made generating or loading 150,000
taggings take over twenty minutes. `is_breaking = TRUE` lets both databases
seek to the flagged rows (0.05 ms).

The triggers (SQLite) and the trigger function (PostgreSQL) are rewritten in
place, so this holds whatever else their text says.
"""

from django.db import migrations

SCAN = "WHERE is_breaking AND breaking_until"
SEEK = "WHERE is_breaking = TRUE AND breaking_until"


def rewrite(old, new):
    def operation(apps, schema_editor):
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                for name, sql in cursor.fetchall():
                    if old in sql:
                        schema_editor.execute(f"DROP TRIGGER {name}")
                        schema_editor.execute(sql.replace(old, new))
            elif connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_functiondef('articles_bump_content_version'::regproc)")
                schema_editor.execute(cursor.fetchone()[0].replace(old, new))

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_search_vector_inline")]

    operations = [migrations.RunPython(rewrite(SCAN, SEEK), rewrite(SEEK, SCAN))]
