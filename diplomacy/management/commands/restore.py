"""Load a dump written by ``manage.py backup`` into an empty, migrated database."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from diplomacy.models import Source, State, Treaty


class Command(BaseCommand):
    help = "Restore a backup into an empty database (run migrate first; make restore does)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        if (
            Treaty.objects.exists()
            or Source.objects.exists()
            or State.objects.exists()
            or get_user_model().objects.exists()
        ):
            raise CommandError(
                "The database already holds records or users: restore only into an empty one."
            )
        with transaction.atomic():
            call_command("loaddata", options["file"], verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Restored {options['file']}."))
