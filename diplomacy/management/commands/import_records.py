"""manage.py import_records FILE --kind treaty [--dry-run] [--publish] [--user NAME]
[--skip-invalid [--reject-file PATH]] [--merge-duplicates]"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from diplomacy.admin.base import can_publish_model
from diplomacy.importing import import_file
from diplomacy.importing.specs import SPECS

# How many error groups, and example errors, the command prints.
GROUPS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Import treaties, visits, projects, memberships or commitments from a CSV or JSON file "
        "(the register's downloads import as they are). All-or-nothing: any bad row means "
        "nothing is written, unless --skip-invalid writes the good rows and puts the bad ones, "
        "with a reason column, in a reject file to fix and import again. Only the file's "
        "columns are changed (an empty cell clears a field). Re-importing the same file changes "
        "nothing. --dry-run lists each record's changes."
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
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="write the valid rows; the refused ones go to the reject file",
        )
        parser.add_argument(
            "--reject-file",
            type=Path,
            help="where --skip-invalid puts the refused rows (default: NAME.rejects.csv, or "
            ".json, next to the file)",
        )
        parser.add_argument(
            "--merge-duplicates",
            action="store_true",
            help="a row that probably repeats a treaty the register has (same kind, signature "
            "date and parties) adds its identifiers and missing fields to it instead of "
            "creating a second",
        )

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
        if options["reject_file"] and not options["skip_invalid"]:
            raise CommandError("--reject-file goes with --skip-invalid.")
        if not Path(options["file"]).is_file():
            raise CommandError(f"No file {options['file']}.")
        reject = Path(options["reject_file"]) if options["reject_file"] else None
        if reject is not None and reject.exists() and reject.samefile(options["file"]):
            raise CommandError(
                "The reject file would overwrite the file imported: name another --reject-file."
            )
        with self._progress_bar(options["verbosity"]) as progress:
            report = import_file(
                options["file"],
                options["kind"],
                user=user,
                publish=options["publish"],
                dry_run=options["dry_run"],
                file_format=options["format"],
                skip_invalid=options["skip_invalid"],
                merge_duplicates=options["merge_duplicates"],
                reject_path=options["reject_file"],
                progress=progress,
            )
        self._print_errors(report)
        for duplicate in report.probable_duplicates[:GROUPS_SHOWN]:
            self.stderr.write(f"warning: {duplicate}")
        if len(report.probable_duplicates) > GROUPS_SHOWN:
            self.stderr.write(
                f"warning: {len(report.probable_duplicates)} probable duplicates in all."
            )
        if not report.ok:
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

    def _print_errors(self, report) -> None:
        """The errors by column and value with counts, then the first few in full."""
        if not report.errors:
            return
        groups = report.grouped_errors()
        for group in groups[:GROUPS_SHOWN]:
            self.stderr.write(str(group))
        if len(groups) > GROUPS_SHOWN:
            self.stderr.write(f"… and {len(groups) - GROUPS_SHOWN} more kinds of error.")
        if report.error_count > len(groups):
            self.stderr.write("The first errors in full:")
            for error in report.errors[:GROUPS_SHOWN]:
                self.stderr.write(f"  {error}")

    def _progress_bar(self, verbosity: int):
        """A bar on stderr with rows a second and the time left, when stderr is
        a terminal and the command is not asked to be quiet."""
        return _Bar(enabled=verbosity > 0 and sys.stderr.isatty())


class _Bar:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.progress = None
        self.task = None

    def __enter__(self):
        if not self.enabled:
            return None
        self.progress = Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.progress.__enter__()
        self.task = self.progress.add_task("import", total=None, rate="0")
        return self

    def __call__(self, done: int, total: int | None) -> None:
        task = self.progress.tasks[0]
        rate = done / task.elapsed if task.elapsed else 0
        total = max(total, done) if total else None
        self.progress.update(self.task, completed=done, total=total, rate=f"{rate:,.0f}")

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)
        return False
