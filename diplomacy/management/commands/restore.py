"""Load a dump written by ``manage.py backup`` into an empty, migrated database."""

from contextlib import contextmanager
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models.signals import pre_save

from diplomacy.cache import bump_version
from diplomacy.models import Source, State, Treaty


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
                call_command("loaddata", path, verbosity=0)
        except Exception as error:
            raise CommandError(f"Restore failed, nothing was written: {error}") from error
        # Whatever was cached about this database before (an empty register) is stale.
        bump_version()
        self.stdout.write(self.style.SUCCESS(f"Restored {path}."))
