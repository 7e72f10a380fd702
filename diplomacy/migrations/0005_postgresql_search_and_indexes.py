"""PostgreSQL only: full-text search triggers, GIN and trigram indexes, and the
partial, ordered indexes behind the public lists. SQLite skips all of it (its
search falls back to substring matching and its lists are small).
"""

from django.db import migrations

# (table, expression of the weighted vector)
VECTORS = {
    "diplomacy_treaty": (
        "setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(NEW.short_title, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B')"
    ),
    "diplomacy_visit": (
        "setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(NEW.city, '')), 'B') || "
        "setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B')"
    ),
    "diplomacy_project": (
        "setweight(to_tsvector('english', coalesce(NEW.name, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(NEW.city, '')), 'B') || "
        "setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')"
    ),
}

TRIGRAM = {
    "diplomacy_treaty": "title",
    "diplomacy_visit": "title",
    "diplomacy_project": "name",
    "diplomacy_state": "name",
    "diplomacy_person": "name",
    "diplomacy_organization": "name",
}

# Public lists read published rows newest first (empty dates last) with a pk
# tie-break; these partial indexes serve that order, alone or after a filter.
ORDERED = [
    ("diplomacy_treaty_pub_order", "diplomacy_treaty", "signed_on DESC NULLS LAST, id DESC"),
    ("diplomacy_treaty_pub_kind", "diplomacy_treaty", "kind, signed_on DESC NULLS LAST, id DESC"),
    ("diplomacy_treaty_pub_status", "diplomacy_treaty", "status, signed_on DESC NULLS LAST, id DESC"),
    ("diplomacy_treaty_pub_title", "diplomacy_treaty", "title, id"),
    ("diplomacy_treaty_pub_created", "diplomacy_treaty", "created_at DESC, id DESC"),
    ("diplomacy_visit_pub_order", "diplomacy_visit", "start_on DESC NULLS LAST, id DESC"),
    ("diplomacy_project_pub_order", "diplomacy_project", "start_on DESC NULLS LAST, id DESC"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, vector in VECTORS.items():
        run(
            f"CREATE OR REPLACE FUNCTION {table}_search_vector() RETURNS trigger AS $$ "
            f"BEGIN NEW.search_vector := {vector}; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        run(
            f"CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_search_vector()"
        )
        run(f"UPDATE {table} SET id = id")  # fill the vector of existing rows
        run(f"CREATE INDEX {table}_search ON {table} USING gin (search_vector)")
    for table, column in TRIGRAM.items():
        run(f"CREATE INDEX {table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)")
    for name, table, columns in ORDERED:
        run(f"CREATE INDEX {name} ON {table} ({columns}) WHERE is_published")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    for name, _, _ in ORDERED:
        run(f"DROP INDEX IF EXISTS {name}")
    for table, column in TRIGRAM.items():
        run(f"DROP INDEX IF EXISTS {table}_{column}_trgm")
    for table in VECTORS:
        run(f"DROP INDEX IF EXISTS {table}_search")
        run(f"DROP TRIGGER IF EXISTS {table}_search_vector ON {table}")
        run(f"DROP FUNCTION IF EXISTS {table}_search_vector()")


class Migration(migrations.Migration):
    dependencies = [("diplomacy", "0004_search_vectors")]

    operations = [migrations.RunPython(forwards, backwards)]
