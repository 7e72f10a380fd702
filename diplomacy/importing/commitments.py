"""The ``commitment`` import kind: a treaty's commitments (SPEC 3.11), one row
each, read and checked whole, then written in one transaction or not at all.

A commitment is named by its treaty, kind and article. A row whose article
the treaty does not have yet completes the treaty's commitment of that kind
that holds nothing but its kind (as a treaty import's ``commitments`` column
adds them), if there is one, instead of adding a second of that kind: a
treaty file and then its commitments file give each commitment once.
Commitments a file does not name are left as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from diplomacy.caching import data_changed
from diplomacy.importing.lookups import Lookups
from diplomacy.importing.meanwhile import (
    EDITED_MEANWHILE,
    changed_meanwhile,
    stored_values,
    treaties_changed,
)
from diplomacy.importing.reading import FileFormatError, as_text, detect_format, read_rows
from diplomacy.importing.report import PROGRESS_ROWS, ImportReport, RowError, reject_writer
from diplomacy.importing.specs import SPECS, CommitmentRow, RowErrors
from diplomacy.models import Commitment, Treaty, TreatyParty
from diplomacy.models.commitments import commitment_kinds_by_pk

# The file's column for each model field.
FIELD_COLUMNS = {"source_id": "source"}


def _bare(commitment: Commitment, bound: set[int]) -> bool:
    """Holds nothing but its kind."""
    return not (
        commitment.article
        or commitment.quote
        or commitment.conditions
        or commitment.locator
        or commitment.source_id
        or bound
    )


# A commitment's stored values, as read and as found again before writing.
STORED = [field.attname for field in Commitment._meta.concrete_fields]


class Change(NamedTuple):
    """A commitment to write, and what the import read of it."""

    commitment: Commitment
    bound: list | None  # the parties it binds, where the row changes them
    line: int
    action: str
    read: dict
    bound_read: set | None


class CommitmentImporter:
    """Read and checked whole (every row's errors), then written in one
    transaction: all or nothing, or with skip_invalid the valid rows (the
    others to a reject file). Each commitment is saved as a model (its history
    kept); a commitment file is as long as its treaties' articles."""

    def __init__(self, user=None, skip_invalid: bool = False):
        self.spec = SPECS["commitment"]
        self.user = user
        self.skip_invalid = skip_invalid

    def run(
        self, path: Path, file_format=None, dry_run: bool = False, reject_path=None, progress=None
    ) -> ImportReport:
        report = ImportReport(kind="commitment", dry_run=dry_run, skip_invalid=self.skip_invalid)
        try:
            fmt = detect_format(path, file_format)
        except FileFormatError as exc:
            report.add_error(RowError(0, "file", str(exc)))
            return report
        self.raws: dict[int, dict] = {}
        self.rejects = reject_writer(path, fmt, reject_path, self.skip_invalid, dry_run)
        try:
            return self._run(path, fmt, dry_run, report, progress)
        finally:
            if self.rejects is not None:
                report.reject_path = self.rejects.close()

    def _refuse(self, report, line: int, errors: list[RowError]) -> None:
        report.refuse(errors, self.raws.get(line), self.rejects)

    def _run(self, path, fmt, dry_run, report, progress) -> ImportReport:
        rows = self._read(path, fmt, report)
        if rows is None:
            return report
        if progress is not None:
            progress(report.rows, report.rows)
        changes = self._check(rows, report)
        if not report.ok:
            report.forget_changes()
            return report
        if dry_run or not changes:
            return report
        try:
            with transaction.atomic():
                changes = self._not_edited_meanwhile(changes, report)
                if changes is None:
                    return report
                for done, (commitment, bound, *_) in enumerate(changes, start=1):
                    commitment._change_reason = "import"  # simple-history's documented hook
                    if self.user is not None:
                        commitment._history_user = self.user
                    commitment.save()
                    if bound is not None:
                        commitment.parties_bound.set(bound)
                    if progress is not None and done % PROGRESS_ROWS == 0:
                        progress(done, len(changes))  # rows written, of those to write
                treaties_changed(
                    {change.commitment.treaty_id for change in changes},
                    self.user,
                    "import of commitments",
                )
                # A new data version: every page and API response shows the import.
                data_changed()
        except DatabaseError as exc:
            report.add_error(RowError(0, "database", f"Nothing was written: {exc}"))
            return report
        report.written = True
        return report

    def _not_edited_meanwhile(self, changes: list[Change], report) -> list[Change] | None:
        """The changes to write: a commitment someone else saved (its fields
        or the parties it binds) since this import read it is refused, not
        written over; None when that leaves nothing to write (all or nothing)."""
        read = {c.commitment.pk: c.read for c in changes if c.commitment.pk is not None}
        through = Commitment.parties_bound.through
        bound = {pk: c.bound_read or set() for c in changes if (pk := c.commitment.pk)}
        edited = changed_meanwhile(
            Commitment, read, related=(through, "commitment_id", "state_id", bound)
        )
        refused = set()
        for change in changes:
            if change.commitment.pk in edited:
                refused.add(change.line)
                report.uncount(change.action, change.line)
                message = EDITED_MEANWHILE.format(record="This commitment")
                self._refuse(report, change.line, [RowError(change.line, "article", message)])
        if refused and not self.skip_invalid:
            report.forget_changes()
            return None
        return [change for change in changes if change.line not in refused]

    def _read(self, path, fmt, report) -> list[CommitmentRow] | None:
        # Kept for the check: it names the states bound that are no party.
        self.lookups = lookups = Lookups.load()
        parsed: dict[tuple, CommitmentRow] = {}
        try:
            for line, raw in read_rows(path, fmt):
                report.rows += 1
                self.raws[line] = raw
        except FileFormatError as exc:
            report.add_error(RowError(0, "file", str(exc)))
            return None
        # The states bound are read on their treaty's date.
        slugs = {as_text(raw.get("treaty")).strip().lower() for raw in self.raws.values()}
        lookups.load_treaty_dates(slugs)
        for line, raw in self.raws.items():
            try:
                row = self.spec.parse(line, raw, lookups)
            except RowErrors as exc:
                self._refuse(report, line, [RowError(line, *error) for error in exc.errors])
                continue
            previous = parsed.get(row.key)
            if previous is None:
                parsed[row.key] = row
            elif (previous.fields, previous.parties_bound) == (row.fields, row.parties_bound):
                report.duplicates += 1
            else:
                message = (
                    f"Same commitment (treaty, kind and article) as line {previous.line} "
                    "with other values."
                )
                self._refuse(report, line, [RowError(line, "article", message)])
        return list(parsed.values())

    def _check(self, rows: list[CommitmentRow], report) -> list[Change]:
        """Every row against the register; what to write."""
        treaties = Treaty.objects.in_bulk({row.treaty for row in rows}, field_name="slug")
        pks = [treaty.pk for treaty in treaties.values()]
        existing: dict[tuple[int, int, str], list[Commitment]] = {}
        for commitment in Commitment.objects.filter(treaty_id__in=pks).order_by("pk"):
            key = (commitment.treaty_id, commitment.kind_id, commitment.article)
            existing.setdefault(key, []).append(commitment)
        bound_now: dict[int, set[int]] = {}
        for commitment_id, state_id in Commitment.parties_bound.through.objects.filter(
            commitment__treaty_id__in=pks
        ).values_list("commitment_id", "state_id"):
            bound_now.setdefault(commitment_id, set()).add(state_id)
        parties: dict[int, set[int]] = {}
        for treaty_id, state_id in TreatyParty.objects.filter(treaty_id__in=pks).values_list(
            "treaty_id", "state_id"
        ):
            parties.setdefault(treaty_id, set()).add(state_id)
        named = {(treaties[r.treaty].pk, r.kind, r.article) for r in rows if r.treaty in treaties}
        kinds = commitment_kinds_by_pk()
        changes = []
        for row in rows:
            treaty = treaties.get(row.treaty)
            if treaty is None:
                message = f"No treaty with the slug “{row.treaty}”."
                self._refuse(report, row.line, [RowError(row.line, "treaty", message)])
                continue
            commitment = self._match(row, treaty, existing, bound_now, named)
            if isinstance(commitment, RowError):
                self._refuse(report, row.line, [commitment])
                continue
            bound = None
            if row.parties_bound is not None:
                strangers = set(row.parties_bound) - parties.get(treaty.pk, set())
                if strangers:
                    self._refuse(report, row.line, [self._strangers(row.line, strangers)])
                    continue
                if set(row.parties_bound) != bound_now.get(commitment.pk, set()):
                    bound = list(row.parties_bound)
            values = {"article": row.article, **row.fields}
            read = stored_values(commitment, STORED)
            before = {name: getattr(commitment, name) for name in values}
            for name, value in values.items():
                setattr(commitment, name, value)
            try:
                commitment.clean_fields(exclude=["treaty", "kind", "source", "parties_bound"])
            except ValidationError as exc:
                self._refuse(
                    report,
                    row.line,
                    [
                        RowError(row.line, FIELD_COLUMNS.get(name, name), " ".join(messages))
                        for name, messages in exc.message_dict.items()
                    ],
                )
                for name, value in before.items():  # as it was, for a later row
                    setattr(commitment, name, value)
                continue
            bare = existing.get((treaty.pk, row.kind, ""), [])
            if row.article and commitment in bare:
                # A bare commitment is completed once: the next row of its kind gets a new one.
                bare.remove(commitment)
            changed = [name for name, value in before.items() if getattr(commitment, name) != value]
            if bound is not None:
                changed.append("parties_bound")
            action = "create" if commitment.pk is None else "update" if changed else "unchanged"
            name = f"{row.treaty}/{kinds[row.kind].value}"
            report.count(
                action,
                row.line,
                f"{name}/{row.article}" if row.article else name,
                [FIELD_COLUMNS.get(field, field) for field in changed]
                if action == "update"
                else (),
            )
            if action != "unchanged":
                changes.append(
                    Change(commitment, bound, row.line, action, read, bound_now.get(commitment.pk))
                )
        return changes

    def _strangers(self, line: int, strangers: set[int]) -> RowError:
        """The error of states bound that are no party to the treaty, each
        named (from the codes read once per import, not a query per row)
        and counted by the report over the file."""
        names = sorted(self.lookups.states.facts[pk].name for pk in strangers)
        verb = "is" if len(names) == 1 else "are"
        return RowError(
            line,
            "parties_bound",
            f"A party bound must be a party to the treaty: {', '.join(names)} {verb} not.",
            tuple(("states bound that are no party to the treaty", name) for name in names),
        )

    @staticmethod
    def _match(row, treaty, existing, bound_now, named) -> Commitment | RowError:
        """The commitment the row names, a bare one of its kind it completes,
        or a new one; the error when the register holds two."""
        same = existing.get((treaty.pk, row.kind, row.article), [])
        if len(same) > 1:
            return RowError(
                row.line,
                "article",
                f"The treaty has {len(same)} commitments of this kind and article: "
                "give each its own article or locator in the admin first.",
            )
        if same:
            return same[0]
        bare = existing.get((treaty.pk, row.kind, ""), [])
        if (treaty.pk, row.kind, "") not in named:
            for commitment in bare:
                if _bare(commitment, bound_now.get(commitment.pk, set())):
                    return commitment
        return Commitment(treaty=treaty, kind_id=row.kind)
