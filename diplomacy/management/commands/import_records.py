"""manage.py import_records FILE --kind treaty [--dry-run] [--publish] [--user NAME]"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from diplomacy.admin.base import can_publish_model
from diplomacy.importing import import_file
from diplomacy.importing.specs import SPECS


class Command(BaseCommand):
    help = (
        "Import treaties, visits, projects, memberships or commitments from a CSV or JSON file "
        "(the register's downloads import as they are). All-or-nothing: any bad "
        "row means nothing is written. Only the file's columns are changed (an empty cell "
        "clears a field). Re-importing the same file changes nothing. --dry-run lists each "
        "record's changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=sorted(SPECS))
        parser.add_argument("--format", choices=["csv", "json"], help="default: from the file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and list what would change, write nothing",
        )
        parser.add_argument(
            "--publish", action="store_true", help="publish the records (publishers only)"
        )
        parser.add_argument("--user", help="the account the history records the import under")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {options['user']!r}.") from None
        model = SPECS[options["kind"]].model
        if options["publish"] and (user is None or not can_publish_model(user, model)):
            raise CommandError("--publish needs --user naming an account with publish permission.")
        report = import_file(
            options["file"],
            options["kind"],
            user=user,
            publish=options["publish"],
            dry_run=options["dry_run"],
            file_format=options["format"],
        )
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(report.summary())
        if options["dry_run"]:
            # What each record would get, so an editor sees a column that
            # would clear fields before anything is written.
            for row in report.preview:
                self.stdout.write(str(row))
            listed = len(report.preview)
            if listed < report.created + report.updated:
                self.stdout.write(f"The first {listed} records that would change are listed.")
        self.stdout.write(self.style.SUCCESS(report.summary()))
