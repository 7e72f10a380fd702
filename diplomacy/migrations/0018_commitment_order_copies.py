from django.db import migrations, models

# As the party rows' copies (migration 0007): each commitment row keeps its
# treaty's signature date and publication, written by the database itself, so
# every write path keeps them right (the admin's inline, the API's commitment
# list, imports, queryset.update(), COPY). The list filtered by a commitment
# kind then reads one range of the (kind, list order) index below, in the
# list's own order, instead of every treaty of that kind.
POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION diplomacy_commitment_copy_treaty() RETURNS trigger AS $$
    BEGIN
        SELECT signed_on, is_published INTO NEW.treaty_signed_on, NEW.treaty_is_published
        FROM diplomacy_treaty WHERE id = NEW.treaty_id;
        NEW.treaty_is_published := coalesce(NEW.treaty_is_published, false);
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER diplomacy_commitment_copy_treaty
    BEFORE INSERT OR UPDATE OF treaty_id, treaty_signed_on, treaty_is_published
    ON diplomacy_commitment FOR EACH ROW EXECUTE FUNCTION diplomacy_commitment_copy_treaty()
    """,
    """
    CREATE OR REPLACE FUNCTION diplomacy_treaty_copy_to_commitments() RETURNS trigger AS $$
    BEGIN
        UPDATE diplomacy_commitment
        SET treaty_signed_on = NEW.signed_on, treaty_is_published = NEW.is_published
        WHERE treaty_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER diplomacy_treaty_copy_to_commitments
    AFTER UPDATE OF signed_on, is_published ON diplomacy_treaty FOR EACH ROW
    WHEN (OLD.signed_on IS DISTINCT FROM NEW.signed_on
          OR OLD.is_published IS DISTINCT FROM NEW.is_published)
    EXECUTE FUNCTION diplomacy_treaty_copy_to_commitments()
    """,
]
POSTGRESQL_BACKWARDS = [
    "DROP TRIGGER IF EXISTS diplomacy_treaty_copy_to_commitments ON diplomacy_treaty",
    "DROP FUNCTION IF EXISTS diplomacy_treaty_copy_to_commitments()",
    "DROP TRIGGER IF EXISTS diplomacy_commitment_copy_treaty ON diplomacy_commitment",
    "DROP FUNCTION IF EXISTS diplomacy_commitment_copy_treaty()",
]
_SQLITE_COPY = """
    UPDATE diplomacy_commitment SET
        treaty_signed_on = (SELECT signed_on FROM diplomacy_treaty WHERE id = NEW.treaty_id),
        treaty_is_published = (SELECT is_published FROM diplomacy_treaty WHERE id = NEW.treaty_id)
    WHERE id = NEW.id;
"""
SQLITE = [
    f"""
    CREATE TRIGGER diplomacy_commitment_copy_on_insert AFTER INSERT ON diplomacy_commitment
    BEGIN {_SQLITE_COPY} END
    """,
    f"""
    CREATE TRIGGER diplomacy_commitment_copy_on_update
    AFTER UPDATE OF treaty_id, treaty_signed_on, treaty_is_published ON diplomacy_commitment
    BEGIN {_SQLITE_COPY} END
    """,
    """
    CREATE TRIGGER diplomacy_treaty_copy_to_commitments AFTER UPDATE OF signed_on, is_published
    ON diplomacy_treaty
    WHEN OLD.signed_on IS NOT NEW.signed_on OR OLD.is_published IS NOT NEW.is_published
    BEGIN
        UPDATE diplomacy_commitment
        SET treaty_signed_on = NEW.signed_on, treaty_is_published = NEW.is_published
        WHERE treaty_id = NEW.id;
    END
    """,
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS diplomacy_commitment_copy_on_insert",
    "DROP TRIGGER IF EXISTS diplomacy_commitment_copy_on_update",
    "DROP TRIGGER IF EXISTS diplomacy_treaty_copy_to_commitments",
]
# PostgreSQL only (SQLite cannot order NULLS LAST in an index, and its lists
# are small): a kind's published treaties in the list's order, newest first,
# undated last, the treaty's key as the tie-break.
INDEXES = [
    "CREATE INDEX IF NOT EXISTS diplomacy_commitment_kind_latest ON diplomacy_commitment "
    "(kind_id, treaty_signed_on DESC NULLS LAST, treaty_id DESC) WHERE treaty_is_published",
]
INDEXES_BACKWARDS = ["DROP INDEX IF EXISTS diplomacy_commitment_kind_latest"]
BACKFILL = {
    "postgresql": (
        "UPDATE diplomacy_commitment c SET treaty_signed_on = t.signed_on, "
        "treaty_is_published = t.is_published FROM diplomacy_treaty t WHERE t.id = c.treaty_id"
    ),
    "sqlite": (
        "UPDATE diplomacy_commitment SET "
        "treaty_signed_on = (SELECT signed_on FROM diplomacy_treaty t WHERE t.id = treaty_id), "
        "treaty_is_published = (SELECT is_published FROM diplomacy_treaty t WHERE t.id = treaty_id)"
    ),
}


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor)
    if statements is None:
        raise RuntimeError(f"No commitment-copy triggers for the {vendor} backend.")
    schema_editor.execute(BACKFILL[vendor])
    for statement in statements + (INDEXES if vendor == "postgresql" else []):
        schema_editor.execute(statement)
    if vendor == "postgresql":
        # The planner's statistics of the new columns, for the first filtered list.
        schema_editor.execute("ANALYZE diplomacy_commitment")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    backwards_sql = {
        "postgresql": INDEXES_BACKWARDS + POSTGRESQL_BACKWARDS,
        "sqlite": SQLITE_BACKWARDS,
    }
    for statement in backwards_sql[vendor]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("diplomacy", "0017_reserved_slugs"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="treaty_is_published",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="commitment",
            name="treaty_signed_on",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
