"""PostgreSQL keeps each article's search vector in the row, and its body out of it.

Ranking reads the vector of every article that matches (976 of 10,000 for two
common words). A story's vector is about 3.4 KB and does not compress, so with
the default storage PostgreSQL moved it out of line (TOAST) and every ranking
read it back chunk by chunk: 12-14 ms of a search. `STORAGE MAIN` tells the
row-shrinking pass to move the other wide columns out first, and the body is
the one that goes: ranking those 976 rows reads about 1,000 heap pages instead
of about 3,900 heap and TOAST pages, the heap grows from 9.6 to 38 MB at
10,000 articles, and the table with its TOAST stays at the same 72 MB.

The setting applies to rows as they are written, so existing rows are written
again (the generated vector is recomputed; `updated_at`, which Django sets, is
not touched); `VACUUM FULL articles_article` afterwards gives the space of the
old out-of-line vectors back to the disk. The migration does nothing on other
databases.
"""

from django.db import migrations


def storage(kind):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE {kind}")
            schema_editor.execute("UPDATE articles_article SET title = title")

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_content_version_next_change")]

    operations = [migrations.RunPython(storage("MAIN"), storage("EXTENDED"))]
