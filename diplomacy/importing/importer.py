"""The import engine: validate every row, then write all of them or none."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from diplomacy.caching import data_changed
from diplomacy.importing.lookups import Lookups
from diplomacy.importing.reading import FileFormatError, read_rows
from diplomacy.importing.specs import IDENTIFIER_COLUMNS, SPECS, ParsedRow, RowErrors, Spec
from diplomacy.models import Treaty, TreatyIdentifier, TreatyParty

BATCH_SIZE = 1000
PREVIEW_LENGTH = 200
MAX_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass(frozen=True)
class PreviewRow:
    """What the import does to one record; for an update, the columns it changes."""

    line: int
    slug: str
    action: str  # create, update or unchanged
    changes: tuple[str, ...] = ()

    def __str__(self) -> str:
        changes = f": {', '.join(self.changes)}" if self.changes else ""
        return f"line {self.line}, {self.slug}: {self.action}{changes}"


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    # The first PREVIEW_LENGTH records the import creates or updates.
    preview: list[PreviewRow] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verb = "would be" if self.dry_run or not self.written else "were"
        if self.errors:
            lines = len({error.line for error in self.errors})
            found = (
                f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''} "
                f"in {lines} row{'s' if lines != 1 else ''} of {self.rows}"
            )
            return (
                f"{found}: fix them before importing."
                if self.dry_run
                else f"{found}: nothing was written."
            )
        return (
            f"{self.rows} row(s): {self.created} {verb} created, {self.updated} {verb} updated, "
            f"{self.unchanged} unchanged, {self.duplicates} duplicate row(s) skipped."
        )


class Importer:
    def __init__(self, kind: str, user=None, publish: bool = False):
        if kind not in SPECS:
            raise ValueError(f"Unknown kind {kind!r}: use one of {', '.join(SPECS)}.")
        self.spec: Spec = SPECS[kind]
        self.model = self.spec.model
        self.user = user
        self.publish = publish
        self.kind = kind

    # -- the two passes -------------------------------------------------------------

    def run(
        self, path: Path, file_format: str | None = None, dry_run: bool = False
    ) -> ImportReport:
        report = ImportReport(kind=self.kind, dry_run=dry_run)
        lookups = Lookups.load()
        try:
            self._pass(path, file_format, lookups, report, write=False)
        except FileFormatError as exc:
            report.errors.append(RowError(0, "file", str(exc)))
        if report.errors or dry_run:
            return report
        # Second pass: the same rows, now written, all in one transaction.
        written = ImportReport(kind=self.kind, dry_run=False)
        try:
            with transaction.atomic():
                self._pass(path, file_format, lookups, written, write=True)
                if written.errors:
                    raise _Abort
                # Bulk writes send no save signal: a new data version, with the
                # rows it describes, shows the import on every page and API
                # response at once (SPEC 8). A re-import that changes nothing
                # keeps every cache.
                if written.created or written.updated:
                    data_changed()
        except _Abort:
            return written
        except DatabaseError as exc:
            written.errors.append(RowError(0, "database", f"Nothing was written: {exc}"))
            return written
        written.written = True
        return written

    def _pass(self, path, file_format, lookups, report: ImportReport, write: bool) -> None:
        seen: dict[str, tuple[int, tuple]] = {}
        identifiers_seen: dict[tuple[str, str], str] = {}
        rows = read_rows(path, file_format)
        while True:
            chunk = list(itertools.islice(rows, BATCH_SIZE))
            if not chunk:
                break
            batch: list[ParsedRow] = []
            for line, raw in chunk:
                report.rows += 1
                try:
                    parsed = self.spec.parse(line, raw, lookups)
                except RowErrors as exc:
                    self._errors(report, line, exc.errors)
                    continue
                if not self._unique_in_file(parsed, seen, identifiers_seen, report):
                    continue
                batch.append(parsed)
            if batch:
                self._process(batch, report, write)
            if len(report.errors) >= MAX_ERRORS:
                report.errors.append(RowError(0, "file", f"Stopped after {MAX_ERRORS} errors."))
                return

    @staticmethod
    def _errors(report, line, errors):
        report.errors.extend(RowError(line, column, message) for column, message in errors)

    def _unique_in_file(self, parsed, seen, identifiers_seen, report) -> bool:
        signature = parsed.signature()
        previous = seen.get(parsed.slug)
        if previous is not None:
            if previous[1] == signature:
                report.duplicates += 1
                return False
            report.errors.append(
                RowError(
                    parsed.line,
                    "slug",
                    f"Same record as line {previous[0]} (slug “{parsed.slug}”) with other values.",
                )
            )
            return False
        seen[parsed.slug] = (parsed.line, signature)
        for scheme, value in parsed.identifiers:
            owner = identifiers_seen.setdefault((scheme, value), parsed.slug)
            if owner != parsed.slug:
                report.errors.append(
                    RowError(parsed.line, scheme, f"{scheme} {value} is already given to {owner}.")
                )
                return False
        return True

    # -- one batch --------------------------------------------------------------------

    def _process(self, batch: list[ParsedRow], report: ImportReport, write: bool) -> None:
        self._match_identifiers(batch)
        existing = {
            obj.slug: obj for obj in self.model.objects.filter(slug__in=[row.slug for row in batch])
        }
        current_relations = self._current_relations(existing.values())
        current_identifiers = self._current_identifiers(existing.values())
        current_citations = self._current_citations(existing.values())

        creates, updates = [], []
        for row in batch:
            record = existing.get(row.slug)
            if record is None and row.missing:
                report.errors.extend(
                    RowError(row.line, column, f"A new record needs the {column} column.")
                    for column in row.missing
                )
                continue
            if record is None:
                candidate = self.model(slug=row.slug)
                values = {**row.defaults, **row.fields}
            else:
                candidate, values = record, row.fields
            original = {name: getattr(candidate, name) for name in values}
            for name, value in values.items():
                setattr(candidate, name, value)
            candidate.normalise_partial_dates()
            try:
                candidate.clean_fields(exclude=["slug", "is_published", "created_at", "updated_at"])
                candidate.clean()
                self._check_party_count(row, candidate, values, current_relations)
            except ValidationError as exc:
                errors = (
                    exc.message_dict.items()
                    if hasattr(exc, "error_dict")
                    else [("row", exc.messages)]
                )
                for name, messages in errors:
                    column = name.removesuffix("_id") if name != "__all__" else "row"
                    report.errors.append(RowError(row.line, column, " ".join(messages)))
                if record is not None:
                    for name, value in original.items():
                        setattr(record, name, value)
                continue
            changes: list[str] = []
            if record is None:
                candidate.is_published = self.publish
                creates.append((row, candidate))
                action = "create"
            else:
                changed = [
                    name for name, value in original.items() if getattr(record, name) != value
                ]
                if self.publish and not record.is_published:
                    record.is_published = True
                    changed.append("is_published")
                changes = _columns(changed) + self._related_changes(
                    row, record, current_relations, current_identifiers, current_citations
                )
                if changes:
                    updates.append((row, record, changed))
                    action = "update"
                else:
                    action = "unchanged"
            # The preview lists what would change; the summary counts the rest.
            if action != "unchanged" and len(report.preview) < PREVIEW_LENGTH:
                report.preview.append(PreviewRow(row.line, row.slug, action, tuple(changes)))
        report.created += len(creates)
        report.updated += len(updates)
        report.unchanged += len(batch) - len(creates) - len(updates)
        if write and not report.errors:
            self._write(creates, updates, current_relations, current_identifiers, current_citations)

    def _check_party_count(self, row, candidate, values, current_relations) -> None:
        """A bilateral kind needs two parties, whether the file changes the kind,
        the parties, or both; a record the file leaves alone is not judged."""
        if self.model is not Treaty or ("parties" not in row.relations and "kind" not in values):
            return
        if "parties" in row.relations:
            count = len(row.relations["parties"])
        else:
            count = len(current_relations["parties"].get(candidate.pk, ()))
        Treaty.validate_party_count(candidate.kind, count)

    def _match_identifiers(self, batch: list[ParsedRow]) -> None:
        """A treaty known by an identifier keeps its slug, whatever the file calls it."""
        if self.model is not Treaty:
            return
        wanted = {pair: row for row in batch for pair in row.identifiers}
        if not wanted:
            return
        match = Q()
        for scheme, value in wanted:
            match |= Q(scheme=scheme, value=value)
        for scheme, value, slug in TreatyIdentifier.objects.filter(match).values_list(
            "scheme", "value", "treaty__slug"
        ):
            wanted[(scheme, value)].slug = slug

    def _current_relations(self, records) -> dict[str, dict[int, set[int]]]:
        pks = [record.pk for record in records]
        current = {}
        for name, relation in self.spec.relations.items():
            mapping: dict[int, set[int]] = {pk: set() for pk in pks}
            if pks:
                for owner, target in relation.through.objects.filter(
                    **{f"{relation.record_fk}__in": pks}
                ).values_list(relation.record_fk, relation.target_fk):
                    mapping[owner].add(target)
            current[name] = mapping
        return current

    def _current_identifiers(self, records) -> dict[int, set[tuple[str, str]]]:
        if self.model is not Treaty:
            return {}
        pks = [record.pk for record in records]
        current: dict[int, set[tuple[str, str]]] = {pk: set() for pk in pks}
        for owner, scheme, value in TreatyIdentifier.objects.filter(treaty_id__in=pks).values_list(
            "treaty_id", "scheme", "value"
        ):
            current[owner].add((scheme, value))
        return current

    def _current_citations(self, records) -> dict[int, set[tuple[int, str]]]:
        pks = [record.pk for record in records]
        current: dict[int, set[tuple[int, str]]] = {pk: set() for pk in pks}
        for owner, source, quote in self.spec.citation_model.objects.filter(
            record_id__in=pks
        ).values_list("record_id", "source_id", "quote"):
            current[owner].add((source, quote))
        return current

    def _related_changes(self, row, record, relations, identifiers, citations) -> list[str]:
        """The to-many columns of ``row`` that differ from what ``record`` has."""
        changes = [
            name
            for name, targets in row.relations.items()
            if set(targets) != relations[name][record.pk]
        ]
        if self.model is Treaty:
            have: dict[str, set[str]] = {}
            for scheme, value in identifiers.get(record.pk, set()):
                have.setdefault(scheme, set()).add(value)
            changes += [
                IDENTIFIER_SCHEME_COLUMNS[scheme]
                for scheme, value in row.identifiers
                if value not in have.get(scheme, set())
            ]
            changes += [
                IDENTIFIER_SCHEME_COLUMNS[scheme]
                for scheme in row.cleared_identifiers
                if have.get(scheme)
            ]
        if row.citation and row.citation not in citations[record.pk]:
            changes.append("source")
        return changes

    # -- writing ---------------------------------------------------------------------

    def _write(self, creates, updates, relations, identifiers, citations) -> None:
        history = {"default_user": self.user, "default_change_reason": "import"}
        if creates:
            objects = [record for _, record in creates]
            bulk_create_with_history(objects, self.model, batch_size=500, **history)
            if any(record.pk is None for record in objects):
                by_slug = dict(
                    self.model.objects.filter(slug__in=[r.slug for r in objects]).values_list(
                        "slug", "pk"
                    )
                )
                for record in objects:
                    record.pk = record.id = by_slug[record.slug]
        now = timezone.now()
        if updates:
            fields = sorted(
                {name for _, _, changed in updates for name in changed} | {"updated_at"}
            )
            for _, record, _ in updates:
                record.updated_at = now
            bulk_update_with_history(
                [record for _, record, _ in updates], self.model, fields, batch_size=500, **history
            )
        rows = [(row, record) for row, record in creates] + [
            (row, record) for row, record, _ in updates
        ]
        self._write_relations(rows, relations)
        self._write_identifiers(rows, identifiers)
        self._write_citations(rows, citations)

    def _write_relations(self, rows, relations) -> None:
        for name, relation in self.spec.relations.items():
            to_add, to_remove = [], []
            for row, record in rows:
                if name not in row.relations:
                    continue
                wanted = set(row.relations[name])
                have = relations[name].get(record.pk, set())
                to_add += [
                    relation.through(**{relation.record_fk: record.pk, relation.target_fk: target})
                    for target in wanted - have
                ]
                to_remove += [(record.pk, target) for target in have - wanted]
            for owner, target in to_remove:
                for obsolete in relation.through.objects.filter(
                    **{relation.record_fk: owner, relation.target_fk: target}
                ):
                    obsolete.delete()
            if to_add and relation.history:
                bulk_create_with_history(
                    to_add, relation.through, batch_size=500, default_user=self.user
                )
            elif to_add:
                relation.through.objects.bulk_create(to_add, batch_size=500)

    def _write_identifiers(self, rows, identifiers) -> None:
        if self.model is not Treaty:
            return
        new = []
        for row, record in rows:
            have = identifiers.get(record.pk, set())
            cleared = {scheme for scheme, _ in have} & set(row.cleared_identifiers)
            if cleared:
                TreatyIdentifier.objects.filter(treaty_id=record.pk, scheme__in=cleared).delete()
            for scheme, value in row.identifiers:
                if (scheme, value) in have:
                    continue
                TreatyIdentifier.objects.filter(treaty_id=record.pk, scheme=scheme).delete()
                new.append(TreatyIdentifier(treaty_id=record.pk, scheme=scheme, value=value))
        if new:
            bulk_create_with_history(new, TreatyIdentifier, batch_size=500, default_user=self.user)

    def _write_citations(self, rows, citations) -> None:
        model = self.spec.citation_model
        new = [
            model(record_id=record.pk, source_id=row.citation[0], quote=row.citation[1])
            for row, record in rows
            if row.citation and row.citation not in citations.get(record.pk, set())
        ]
        if new:
            bulk_create_with_history(new, model, batch_size=500, default_user=self.user)


IDENTIFIER_SCHEME_COLUMNS = {scheme: column for column, scheme in IDENTIFIER_COLUMNS.items()}


def _columns(field_names) -> list[str]:
    """The file's column for each model field (``signed_on_precision`` and
    ``signed_on`` are both the ``signed_on`` column, ``host_id`` is ``host``)."""
    columns = (name.removesuffix("_precision").removesuffix("_id") for name in field_names)
    return list(dict.fromkeys(columns))


class _Abort(Exception):
    """Rolls the write pass back when a row fails only at write time."""


class MembershipImporter:
    """The ``membership`` kind: party rows keyed by treaty and state, read and
    checked whole (every row's errors), then written in one transaction or
    not at all. Each row is saved as a model (its history kept, the data
    version bumped); a membership file is as long as a treaty's parties."""

    def __init__(self, user=None):
        self.spec = SPECS["membership"]
        self.user = user

    def run(self, path: Path, file_format=None, dry_run: bool = False) -> ImportReport:
        report = ImportReport(kind="membership", dry_run=dry_run)
        lookups = Lookups.load()
        parsed: dict[tuple[str, int], tuple[int, dict]] = {}
        try:
            for line, raw in read_rows(path, file_format):
                report.rows += 1
                try:
                    slug, state, fields = self.spec.parse(line, raw, lookups)
                except RowErrors as exc:
                    Importer._errors(report, line, exc.errors)
                    continue
                previous = parsed.get((slug, state))
                if previous is not None:
                    if previous[1] == fields:
                        report.duplicates += 1
                    else:
                        report.errors.append(
                            RowError(line, "state", f"Same party as line {previous[0]} "
                                     "with other values.")
                        )  # fmt: skip
                    continue
                parsed[(slug, state)] = (line, fields)
        except FileFormatError as exc:
            report.errors.append(RowError(0, "file", str(exc)))
            return report
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
                report.errors.append(RowError(line, "treaty", f"No treaty with the slug “{slug}”."))
                continue
            party = existing.get((treaty.pk, state)) or TreatyParty(treaty=treaty, state_id=state)
            before = {name: getattr(party, name) for name in fields}
            for name, value in fields.items():
                setattr(party, name, value)
            party.normalise_partial_dates()
            try:
                party.clean_fields(exclude=["treaty", "state"])
                TreatyParty.validate_membership(party, treaty)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    column = MEMBERSHIP_COLUMNS.get(name.removesuffix("_precision"), "row")
                    report.errors.append(RowError(line, column, " ".join(messages)))
                continue
            changed = [name for name, value in before.items() if getattr(party, name) != value]
            if party.pk is None:
                report.created += 1
                action = "create"
            elif changed:
                report.updated += 1
                action = "update"
            else:
                report.unchanged += 1
                continue
            changes.append(party)
            if len(report.preview) < PREVIEW_LENGTH:
                columns = tuple(dict.fromkeys(MEMBERSHIP_COLUMNS.get(
                    name.removesuffix("_precision"), name) for name in changed))  # fmt: skip
                report.preview.append(PreviewRow(line, f"{slug}/{state}", action, columns))
        if report.errors:
            report.created = report.updated = report.unchanged = 0
            report.preview = []
            return report
        if dry_run or not changes:
            return report
        try:
            with transaction.atomic():
                for party in changes:
                    party._change_reason = "import"  # simple-history's documented hook
                    if self.user is not None:
                        party._history_user = self.user
                    party.save()
        except DatabaseError as exc:
            report.errors.append(RowError(0, "database", f"Nothing was written: {exc}"))
            return report
        report.written = True
        return report


# The file's column for each membership field.
MEMBERSHIP_COLUMNS = {field: column for column, field in SPECS["membership"].columns.items()}


def import_file(
    path, kind: str, user=None, publish: bool = False, dry_run: bool = False, file_format=None
) -> ImportReport:
    if kind == "commitment":
        from diplomacy.importing.commitments import import_commitments  # it imports this module

        return import_commitments(path, user=user, dry_run=dry_run, file_format=file_format)
    if kind == "membership":
        # A membership is no record of its own: nothing to publish.
        return MembershipImporter(user=user).run(Path(path), file_format, dry_run=dry_run)
    return Importer(kind, user=user, publish=publish).run(Path(path), file_format, dry_run=dry_run)
