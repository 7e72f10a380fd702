"""The ``membership`` import kind: a treaty's parties, one row each, with the
dates and mode of their consent and of their leaving (SPEC 3.10)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from diplomacy.bulk_writes import analyze
from diplomacy.importing.lookups import Lookups
from diplomacy.importing.meanwhile import (
    EDITED_MEANWHILE,
    changed_meanwhile,
    stored_values,
    treaties_changed,
)
from diplomacy.importing.reading import FileFormatError, as_text, detect_format, read_rows
from diplomacy.importing.report import PROGRESS_ROWS, ImportReport, RowError, reject_writer
from diplomacy.importing.specs import SPECS, RowErrors
from diplomacy.models import Treaty, TreatyParty

# A party row's stored values, as read and as found again before writing.
STORED = [field.attname for field in TreatyParty._meta.concrete_fields]


class MembershipImporter:
    """The ``membership`` kind: party rows keyed by treaty and state, read and
    checked whole (every row's errors), then written in one transaction: all
    or nothing, or with skip_invalid the valid rows (the others to a reject
    file). Each row is saved as a model (its history kept, the data version
    bumped); a membership file is as long as a treaty's parties."""

    def __init__(self, user=None, skip_invalid: bool = False):
        self.spec = SPECS["membership"]
        self.user = user
        self.skip_invalid = skip_invalid

    def run(
        self, path: Path, file_format=None, dry_run: bool = False, reject_path=None, progress=None
    ) -> ImportReport:
        report = ImportReport(kind="membership", dry_run=dry_run, skip_invalid=self.skip_invalid)
        fmt = detect_format(path, file_format)
        rejects = reject_writer(path, fmt, reject_path, self.skip_invalid, dry_run)
        try:
            return self._run(path, fmt, dry_run, report, rejects, progress)
        finally:
            if rejects is not None:
                report.reject_path = rejects.close()

    def _run(self, path, fmt, dry_run, report, rejects, progress) -> ImportReport:
        lookups = Lookups.load()
        raws: dict[int, dict] = {}

        def refuse(line, errors):
            report.refuse(errors, raws[line], rejects)

        parsed: dict[tuple[str, int], tuple[int, dict]] = {}
        try:
            for line, raw in read_rows(path, fmt):
                report.rows += 1
                raws[line] = raw
        except FileFormatError as exc:
            report.add_error(RowError(0, "file", str(exc)))
            return report
        # A row without a date of its own reads its code on its treaty's date.
        lookups.load_treaty_dates(
            {as_text(raw.get("treaty")).strip().lower() for raw in raws.values()}
        )
        for line, raw in raws.items():
            try:
                slug, state, fields = self.spec.parse(line, raw, lookups)
            except RowErrors as exc:
                refuse(line, [RowError(line, *error) for error in exc.errors])
                continue
            previous = parsed.get((slug, state))
            if previous is not None:
                if previous[1] == fields:
                    report.duplicates += 1
                else:
                    message = f"Same party as line {previous[0]} with other values."
                    refuse(line, [RowError(line, "state", message)])
                continue
            parsed[(slug, state)] = (line, fields)
        if progress is not None:
            progress(report.rows, report.rows)
        # The rows that could be read are checked against the register too,
        # so one pass reports every error.
        treaties = Treaty.objects.in_bulk({slug for slug, _ in parsed}, field_name="slug")
        existing = {
            (party.treaty_id, party.state_id): party
            for party in TreatyParty.objects.filter(treaty__in=treaties.values())
        }
        changes = []
        for (slug, state), (line, fields) in parsed.items():
            treaty = treaties.get(slug)
            if treaty is None:
                refuse(line, [RowError(line, "treaty", f"No treaty with the slug “{slug}”.")])
                continue
            party = existing.get((treaty.pk, state)) or TreatyParty(treaty=treaty, state_id=state)
            read = stored_values(party, STORED)
            before = {name: getattr(party, name) for name in fields}
            for name, value in fields.items():
                setattr(party, name, value)
            party.normalise_partial_dates()
            try:
                party.clean_fields(exclude=["treaty", "state"])
                TreatyParty.validate_membership(party, treaty)
            except ValidationError as exc:
                refuse(line, [
                    RowError(line, MEMBERSHIP_COLUMNS.get(name.removesuffix("_precision"), "row"),
                             " ".join(messages))
                    for name, messages in exc.message_dict.items()
                ])  # fmt: skip
                continue
            changed = [name for name, value in before.items() if getattr(party, name) != value]
            action = "create" if party.pk is None else "update" if changed else "unchanged"
            columns = dict.fromkeys(
                MEMBERSHIP_COLUMNS.get(name.removesuffix("_precision"), name) for name in changed
            )
            report.count(action, line, f"{slug}/{state}", columns)
            if action != "unchanged":
                changes.append((line, party, read, action))
        if not report.ok:
            report.forget_changes()
            return report
        if dry_run:
            return report
        try:
            with transaction.atomic():
                # Saved by someone else since this import read it: refused, not overwritten.
                edited = changed_meanwhile(
                    TreatyParty,
                    {party.pk: read for _, party, read, _ in changes if party.pk is not None},
                )
                refused = set()
                for line, party, _, action in changes:
                    if party.pk in edited:
                        refused.add(line)
                        report.uncount(action, line)
                        message = EDITED_MEANWHILE.format(record="This party row")
                        refuse(line, [RowError(line, "state", message)])
                if refused and not self.skip_invalid:
                    report.forget_changes()
                    return report
                changes = [change for change in changes if change[0] not in refused]
                for done, (_, party, _, _) in enumerate(changes, start=1):
                    party._change_reason = "import"  # simple-history's documented hook
                    if self.user is not None:
                        party._history_user = self.user
                    party.save()
                    if progress is not None and done % PROGRESS_ROWS == 0:
                        progress(done, len(changes))  # rows written, of those to write
                treaties_changed(
                    {party.treaty_id for _, party, _, _ in changes},
                    self.user,
                    "import of memberships",
                )
        except DatabaseError as exc:
            report.add_error(RowError(0, "database", f"Nothing was written: {exc}"))
            return report
        report.written = True
        if changes:
            analyze({TreatyParty._meta.db_table, TreatyParty.history.model._meta.db_table})
        return report


# The file's column for each membership field.
MEMBERSHIP_COLUMNS = {field: column for column, field in SPECS["membership"].columns.items()}
