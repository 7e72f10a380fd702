"""Write a complete dump of the register: records, citations, history, users and groups."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

# Rebuilt by migrate on the target database, or transient.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]


class Command(BaseCommand):
    help = "Dump the whole register to an XML file (gzip-compressed when it ends in .gz)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="default: backups/register-<UTC timestamp>.xml.gz",
        )

    def handle(self, *args, **options):
        output = options["output"] or (
            f"backups/register-{timezone.now().strftime('%Y%m%dT%H%M%SZ')}.xml.gz"
        )
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        call_command(
            "dumpdata",
            *[f"--exclude={label}" for label in EXCLUDED],
            # Primary keys are kept: historical versions point at their record by
            # id. Foreign keys to users, permissions and content types go by
            # natural key, since a new database numbers those afresh.
            natural_foreign=True,
            # XML keeps timestamps to the microsecond; Django's JSON rounds them
            # to the millisecond, which a restore would not give back.
            format="xml",
            output=output,
            verbosity=0,
        )
        self.stdout.write(output)
