"""Load a dump written by ``manage.py backup`` into an empty, migrated database."""

from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Max
from django.db.models.signals import pre_save
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_manager_for_model

from diplomacy.caching import data_changed
from diplomacy.models import Source, State, Treaty


def unmanaged_models() -> list[str]:
    return [model._meta.label for model in apps.get_models() if not model._meta.managed]


def history_managers():
    for model in apps.get_models():
        try:
            yield model, get_history_manager_for_model(model)
        except NotHistoricalModelError:
            continue


def keep_deleted_records_ids(using: str = DEFAULT_DB_ALIAS) -> None:
    """Move each record table's id counter past the ids its history knows.

    loaddata moves it past the highest id in the table, but a deleted
    record's versions keep its id: a new record given that id would show
    the deleted one's versions as its own. The source database never gives
    an id twice (PostgreSQL sequences, SQLite AUTOINCREMENT); nor may the
    restored one."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for model, history in history_managers():
            pk = model._meta.pk
            if not isinstance(pk, models.AutoField):
                continue
            highest = max(
                (
                    value
                    for value in (
                        model._base_manager.using(using).aggregate(top=Max(pk.attname))["top"],
                        history.using(using).aggregate(top=Max(pk.attname))["top"],
                    )
                    if value is not None
                ),
                default=None,
            )
            if highest is None:
                continue
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                    [connection.ops.quote_name(table), pk.column, highest],
                )
            elif connection.vendor == "sqlite":
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s",
                    [highest, table],
                )
                if cursor.rowcount == 0:
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, highest]
                    )
            else:
                raise CommandError(f"Restoring into {connection.vendor} is not supported.")


def _skip_history(sender, instance, raw=False, **kwargs):
    if raw:
        # Read by simple_history's receivers (documented): no version is recorded.
        instance.skip_history_when_saving = True


@contextmanager
def history_from_the_backup_only():
    """While a backup loads, record no new version of any record.

    The backup holds every version already. But a record with many-to-many
    links (a treaty's sectors, a visit's people) is loaded and then given
    its links, and simple_history records that as an edit: an extra version,
    which on PostgreSQL takes an id the backup's own versions then collide
    with, and the restore fails."""
    pre_save.connect(_skip_history, weak=False, dispatch_uid="restore-skip-history")
    try:
        yield
    finally:
        pre_save.disconnect(dispatch_uid="restore-skip-history")


class Command(BaseCommand):
    help = "Restore a backup into an empty database (run migrate first; make restore does)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        path = options["file"]
        if not Path(path).is_file():
            raise CommandError(f"No backup at {path}.")
        if (
            Treaty.objects.exists()
            or Source.objects.exists()
            or State.objects.exists()
            or get_user_model().objects.exists()
        ):
            raise CommandError(
                "The database already holds records or users: restore only into an empty one."
            )
        try:
            with transaction.atomic(), history_from_the_backup_only():
                # migrate created the editorial groups; the backup holds the
                # register's own, with their ids and permissions.
                Group.objects.all().delete()
                # loaddata also moves PostgreSQL's id sequences past the loaded ids.
                # Rows of unmanaged models (in backups made before they were
                # left out) are another model's: Project.states' links load
                # with their project.
                call_command("loaddata", path, exclude=unmanaged_models(), verbosity=0)
                keep_deleted_records_ids()
        except Exception as error:
            raise CommandError(f"Restore failed, nothing was written: {error}") from error
        # Whatever was cached about this database before (an empty register) is stale.
        data_changed()
        self.stdout.write(self.style.SUCCESS(f"Restored {path}."))
