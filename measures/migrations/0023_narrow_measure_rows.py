"""A measure's row in the table holds only what lists sort, group and count by; its long texts
(the summaries and the search document) are kept beside it (TOAST), and the search vector has
no statistics. PostgreSQL only: SQLite has neither setting.

Why: counting, ordering and facet-counting a search reads the table's page of every match.
With the long texts in the row, 100,000 measures filled 24,847 pages (8 KB each, about four
rows a page); with them beside it, 6,268. PostgreSQL's planner, though, does not count the
cost of reading a vector kept beside its row, so for a word in most measures (``q=AI``) it
then chose to read the whole table and test every vector (430-930 ms) instead of the search
index (45 ms). Without statistics on the vector it estimates every search as narrow and keeps
to the index, which never needs the vector itself.

- ``toast_tuple_target``: a row longer than 512 bytes has its longest texts moved beside it.
- ``STORAGE MAIN`` keeps in the row what every list reads for each match: the names (sorting),
  the names' search document (a match in the names comes first) and the timing (the
  timeline's periods).
- ``SET STATISTICS 0``: ``ANALYZE`` no longer samples the vector. Statistics an earlier
  ``ANALYZE`` left are removed when the migration runs as a superuser; otherwise remove them
  once as one (README, "Settings the measurements depend on").

Rows take this shape when they are next written; ``VACUUM FULL measures_measure`` rewrites
them all at once.
"""

from django.db import migrations

TABLE = "measures_measure"
KEPT_IN_ROW = ["name_zh", "name_en", "search_names", "timing_zh", "timing_en"]
# (forward, backward) clauses of ALTER TABLE measures_measure.
LAYOUT = [
    ("SET (toast_tuple_target = 512)", "RESET (toast_tuple_target)"),
    *(
        (f"ALTER COLUMN {column} SET STORAGE MAIN", f"ALTER COLUMN {column} SET STORAGE EXTENDED")
        for column in KEPT_IN_ROW
    ),
    ("ALTER COLUMN search_vector SET STATISTICS 0", "ALTER COLUMN search_vector SET STATISTICS -1"),
]


def alter_table(schema_editor, clauses):
    if schema_editor.connection.vendor == "postgresql":
        for clause in clauses:
            schema_editor.execute(f"ALTER TABLE {TABLE} {clause}")


def forget_vector_statistics(schema_editor):
    """Removes what an earlier ANALYZE gathered on the vector, if this user may."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (superuser,) = cursor.fetchone()
        if superuser:
            cursor.execute(
                "DELETE FROM pg_statistic WHERE starelid = %s::regclass AND staattnum = "
                "(SELECT attnum FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attname = 'search_vector')",
                [TABLE, TABLE],
            )


def narrow_rows(apps, schema_editor):
    alter_table(schema_editor, [forward for forward, _ in LAYOUT])
    if schema_editor.connection.vendor == "postgresql":
        forget_vector_statistics(schema_editor)


def widen_rows(apps, schema_editor):
    alter_table(schema_editor, [backward for _, backward in LAYOUT])


class Migration(migrations.Migration):
    dependencies = [("measures", "0022_link_role_and_note_say_what_they_do")]

    operations = [migrations.RunPython(narrow_rows, widen_rows)]
