"""Write a complete dump of the register: records, citations, history, users and groups."""

import bz2
import gzip
import lzma
import os
import tempfile
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers import xml_serializer
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.utils import timezone

# Rebuilt by migrate on the target database, or transient.
# Background jobs (the queue, and the admin imports it ran) live as long as
# their uploaded files, an hour: a restored register has none.
EXCLUDED_APPS = {"contenttypes", "sessions", "axes", "django_tasks_db"}
# The data version is what caches key the data by, not data: a restore gives
# the restored register a new one.
EXCLUDED_MODELS = {"auth.permission", "diplomacy.dataversion", "diplomacy.importjob"}
# What a restore (loaddata) can read back: XML, as is or compressed.
OPENERS = {".xml": open, ".xml.gz": gzip.open, ".xml.bz2": bz2.open, ".xml.xz": lzma.open}


class Serializer(xml_serializer.Serializer):
    """Django's XML, but a reference to a row that no longer exists is
    written as its id, where Django's would fail the whole dump: a historical
    version of a party, a citation or a link keeps the id of its record after
    the record is deleted. (Loading reads either form, field by field.)"""

    def handle_fk_field(self, obj, field):
        natural = self.use_natural_foreign_keys
        if (
            natural
            and hasattr(field.remote_field.model, "natural_key")
            and getattr(obj, field.attname) is not None
        ):
            try:
                getattr(obj, field.name)  # fetched (and kept) for its natural key anyway
            except ObjectDoesNotExist:
                self.use_natural_foreign_keys = False
        try:
            super().handle_fk_field(obj, field)
        finally:
            self.use_natural_foreign_keys = natural


def backed_up_models() -> list:
    """Every table but the excluded ones, each after those its rows refer to by natural key."""
    app_list = [
        (config, None) for config in apps.get_app_configs() if config.label not in EXCLUDED_APPS
    ]
    return [
        model
        for model in serializers.sort_dependencies(app_list, allow_cycles=True)
        if model._meta.label_lower not in EXCLUDED_MODELS
        # Not proxies nor unmanaged models: they read tables that other
        # models write (ProjectState, Project.states' link table).
        and not model._meta.proxy
        and model._meta.managed
        and router.allow_migrate_model(DEFAULT_DB_ALIAS, model)
    ]


def rows(models):
    for model in models:
        # The base manager: every row, whatever a default manager would leave out.
        yield from model._base_manager.order_by(model._meta.pk.name).iterator()


class Command(BaseCommand):
    help = "Dump the whole register to an XML file (compressed when it ends in .gz, .bz2, .xz)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="default: backups/register-<UTC timestamp>.xml.gz",
        )

    def handle(self, *args, **options):
        output = Path(
            options["output"]
            or f"backups/register-{timezone.now().strftime('%Y%m%dT%H%M%SZ')}.xml.gz"
        )
        ending = next((e for e in OPENERS if output.name.endswith(e)), None)
        if ending is None:
            raise CommandError(f"{output}: a backup's name ends in {', '.join(OPENERS)}.")
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            # Written beside the output and renamed into place once complete: a
            # failed or interrupted backup never leaves a file that looks like
            # one, nor replaces an earlier backup of the same name. Readable by
            # its owner only: it holds password hashes and API tokens.
            handle, temporary = tempfile.mkstemp(
                dir=output.parent, prefix=f".{output.name}-", suffix=".tmp"
            )
            os.close(handle)
        except OSError as error:
            raise CommandError(f"Backup failed; {output} was not written: {error}") from error
        try:
            self.dump(temporary, OPENERS[ending])
            os.replace(temporary, output)
        except Exception as error:
            raise CommandError(f"Backup failed; {output} was not written: {error}") from error
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        self.stdout.write(str(output))

    def dump(self, path: str, opener) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic():
            if snapshot:
                # One moment of the register, however long the dump takes while
                # editors work: no citation of a record the dump has not got.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            objects = rows(backed_up_models())
            try:
                with opener(path, "wt", encoding="utf-8") as stream:
                    Serializer().serialize(
                        objects,
                        stream=stream,
                        # Primary keys are kept: historical versions point at their
                        # record by id. Foreign keys to users, permissions and content
                        # types go by natural key, since a new database numbers those
                        # afresh. XML keeps timestamps to the microsecond; Django's
                        # JSON rounds them to the millisecond.
                        use_natural_foreign_keys=True,
                    )
                with open(path, "rb") as written:
                    os.fsync(written.fileno())  # on disk before it takes the backup's name
            finally:
                # Closes the database cursor now, in its transaction, even
                # when serializing stopped halfway.
                objects.close()
