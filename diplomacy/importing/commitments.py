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

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from diplomacy.caching import data_changed
from diplomacy.importing.importer import PREVIEW_LENGTH, ImportReport, PreviewRow, RowError
from diplomacy.importing.lookups import Lookups
from diplomacy.importing.reading import FileFormatError, read_rows
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


class CommitmentImporter:
    def __init__(self, user=None):
        self.spec = SPECS["commitment"]
        self.user = user

    def run(self, path: Path, file_format=None, dry_run: bool = False) -> ImportReport:
        report = ImportReport(kind="commitment", dry_run=dry_run)
        rows = self._read(path, file_format, report)
        if rows is None:
            return report
        changes = self._check(rows, report)
        if report.errors:
            report.created = report.updated = report.unchanged = 0
            report.preview = []
            return report
        if dry_run or not changes:
            return report
        try:
            with transaction.atomic():
                for commitment, bound in changes:
                    commitment._change_reason = "import"  # simple-history's documented hook
                    if self.user is not None:
                        commitment._history_user = self.user
                    commitment.save()
                    if bound is not None:
                        commitment.parties_bound.set(bound)
                # A new data version: every page and API response shows the import.
                data_changed()
        except DatabaseError as exc:
            report.errors.append(RowError(0, "database", f"Nothing was written: {exc}"))
            return report
        report.written = True
        return report

    def _read(self, path, file_format, report) -> list[CommitmentRow] | None:
        lookups = Lookups.load()
        parsed: dict[tuple, CommitmentRow] = {}
        try:
            for line, raw in read_rows(path, file_format):
                report.rows += 1
                try:
                    row = self.spec.parse(line, raw, lookups)
                except RowErrors as exc:
                    report.errors.extend(RowError(line, c, m) for c, m in exc.errors)
                    continue
                previous = parsed.get(row.key)
                if previous is None:
                    parsed[row.key] = row
                elif (previous.fields, previous.parties_bound) == (row.fields, row.parties_bound):
                    report.duplicates += 1
                else:
                    report.errors.append(
                        RowError(
                            line,
                            "article",
                            f"Same commitment (treaty, kind and article) as line "
                            f"{previous.line} with other values.",
                        )
                    )
        except FileFormatError as exc:
            report.errors.append(RowError(0, "file", str(exc)))
            return None
        return list(parsed.values())

    def _check(self, rows: list[CommitmentRow], report) -> list[tuple[Commitment, list | None]]:
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
                report.errors.append(
                    RowError(row.line, "treaty", f"No treaty with the slug “{row.treaty}”.")
                )
                continue
            commitment = self._match(row, treaty, existing, bound_now, named, report)
            if commitment is None:
                continue
            bound = None
            if row.parties_bound is not None:
                strangers = set(row.parties_bound) - parties.get(treaty.pk, set())
                if strangers:
                    report.errors.append(
                        RowError(
                            row.line,
                            "parties_bound",
                            "A party bound must be a party to the treaty: "
                            f"{len(strangers)} state(s) listed are not.",
                        )
                    )
                    continue
                if set(row.parties_bound) != bound_now.get(commitment.pk, set()):
                    bound = list(row.parties_bound)
            values = {"article": row.article, **row.fields}
            before = {name: getattr(commitment, name) for name in values}
            for name, value in values.items():
                setattr(commitment, name, value)
            try:
                commitment.clean_fields(exclude=["treaty", "kind", "source", "parties_bound"])
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    report.errors.append(RowError(row.line, name, " ".join(messages)))
                continue
            changed = [name for name, value in before.items() if getattr(commitment, name) != value]
            if bound is not None:
                changed.append("parties_bound")
            if commitment.pk is None:
                report.created += 1
                action = "create"
            elif changed:
                report.updated += 1
                action = "update"
            else:
                report.unchanged += 1
                continue
            changes.append((commitment, bound))
            if len(report.preview) < PREVIEW_LENGTH:
                columns = tuple(FIELD_COLUMNS.get(name, name) for name in changed)
                name = f"{row.treaty}/{kinds[row.kind].value}"
                report.preview.append(
                    PreviewRow(row.line, f"{name}/{row.article}" if row.article else name, action,
                               columns if action == "update" else ())
                )  # fmt: skip
        return changes

    @staticmethod
    def _match(row, treaty, existing, bound_now, named, report) -> Commitment | None:
        """The commitment the row names, a bare one of its kind it completes,
        or a new one; None (with the error) when the register holds two."""
        same = existing.get((treaty.pk, row.kind, row.article), [])
        if len(same) > 1:
            report.errors.append(
                RowError(
                    row.line,
                    "article",
                    f"The treaty has {len(same)} commitments of this kind and article: "
                    "give each its own article or locator in the admin first.",
                )
            )
            return None
        if same:
            return same[0]
        bare = existing.get((treaty.pk, row.kind, ""), [])
        if (treaty.pk, row.kind, "") not in named:
            for index, commitment in enumerate(bare):
                if _bare(commitment, bound_now.get(commitment.pk, set())):
                    # Claimed once: the next row of the kind gets a new commitment.
                    return bare.pop(index)
        return Commitment(treaty=treaty, kind_id=row.kind)


def import_commitments(path, user=None, dry_run: bool = False, file_format=None) -> ImportReport:
    return CommitmentImporter(user=user).run(Path(path), file_format, dry_run=dry_run)
