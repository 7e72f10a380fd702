"""The seed corpus's sources get addresses named for readers, not seed numbers.

A register that loaded the corpus before keeps its sources (and their
citations): they are renamed in place, so loading the corpus again finds them
by their new natural keys instead of adding copies. The old addresses redirect
(diplomacy.models.sources.RENAMED_SOURCE_SLUGS).
"""

import secrets

from django.db import migrations

# A copy, not an import: a migration keeps meaning what it meant when written.
RENAMED = {
    "seed-000-allied-relations-commentary": "allied-relations-commentary",
    "seed-001-alliance-relations-new-stage": "alliance-relations-new-stage",
    "seed-002-treaty-more-than-formality": "treaty-more-than-formality",
    "seed-003-friendship-rooted-in-history": "friendship-rooted-in-history",
    "seed-004-uzbekistans-allies": "uzbekistans-allies",
}


def rename(apps, schema_editor, renamed):
    alias = schema_editor.connection.alias
    sources = apps.get_model("diplomacy", "Source").objects.using(alias)
    changed = 0
    for old, new in renamed.items():
        if not sources.filter(slug=new).exists():
            changed += sources.filter(slug=old).update(slug=new)
    if changed:
        # A bulk write: cached pages link the old addresses (see caching/version.py).
        apps.get_model("diplomacy", "DataVersion").objects.using(alias).filter(pk=1).update(
            version=secrets.randbits(62)
        )


def forwards(apps, schema_editor):
    rename(apps, schema_editor, RENAMED)


def backwards(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("diplomacy", "0012_member17_membership"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
