"""The import of records (treaties, visits, projects): validate every row,
then write all of them or none (or, asked to skip invalid rows, the valid
ones, the others to a reject file).

One pass over the file, in batches of BATCH_SIZE rows: each batch's records,
relations, identifiers and citations are read in one query per kind, checked
in memory, and written with bulk statements and bulk history rows
(``diplomacy.bulk_writes``), all inside one transaction that is rolled back
when the file has an error and invalid rows are not skipped. A dry run reads
the same and writes nothing.
"""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_update_with_history

from diplomacy.any_of import AnyOf
from diplomacy.bulk_writes import analyze, create_rows, snapshot_newest_links
from diplomacy.caching import data_changed
from diplomacy.duplicates import duplicate_key, probable_duplicates_of
from diplomacy.importing.lookups import InlineSource, Lookups
from diplomacy.importing.meanwhile import EDITED_MEANWHILE, changed_meanwhile
from diplomacy.importing.reading import (
    FileFormatError,
    as_text,
    count_rows,
    detect_format,
    read_rows,
)
from diplomacy.importing.report import (
    MAX_ERRORS,
    ImportReport,
    ProbableDuplicate,
    RowError,
    reject_writer,
)
from diplomacy.importing.specs import IDENTIFIER_COLUMNS, SPECS, ParsedRow, RowErrors, Spec
from diplomacy.importing.unchanged import (
    CITATION_READERS,
    IDENTIFYING_READERS,
    Held,
    UnchangedRow,
    UnchangedRows,
)
from diplomacy.models import Source, Treaty, TreatyIdentifier

BATCH_SIZE = 2000


class FileKeys:
    """The slugs and identifiers the file has given so far, with the line and
    a hash of the values of each: kept in a private temporary SQLite file, not
    in memory, so a file of millions of rows takes the memory of one batch."""

    def __init__(self):
        import sqlite3

        # An empty name is a temporary on-disk database, deleted when closed.
        self.db = sqlite3.connect("")
        # A row's values as the hash of its parsed signature, or, for a row
        # found unchanged without parsing, as the row itself (pickled: this
        # process's own data, in its own temporary file).
        self.db.execute(
            "CREATE TABLE slugs (slug TEXT PRIMARY KEY, line INT, values_hash INT, raw BLOB)"
        )
        self.db.execute("CREATE TABLE ids (key TEXT PRIMARY KEY, slug TEXT)")
        # The records of the register rows merge into (merge_duplicates), by
        # slug, with the line of the row that merges into each.
        self.db.execute("CREATE TABLE merged (slug TEXT PRIMARY KEY, line INT)")

    def _get(self, sql: str, keys: list[str]) -> list[tuple]:
        found = []
        for start in range(0, len(keys), 900):
            part = keys[start : start + 900]
            marks = ",".join("?" * len(part))
            found += self.db.execute(sql.format(marks), part).fetchall()
        return found

    def slugs(self, slugs: list[str]) -> dict[str, tuple[int, int | None, bytes | None]]:
        sql = "SELECT slug, line, values_hash, raw FROM slugs WHERE slug IN ({})"
        return {slug: (line, h, raw) for slug, line, h, raw in self._get(sql, slugs)}

    def identifiers(self, keys: list[str]) -> dict[str, str]:
        return dict(self._get("SELECT key, slug FROM ids WHERE key IN ({})", keys))

    def merged(self, slugs: list[str]) -> dict[str, int]:
        return dict(self._get("SELECT slug, line FROM merged WHERE slug IN ({})", slugs))

    def add(self, slugs: list[tuple], identifiers: list[tuple[str, str]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO slugs VALUES (?, ?, ?, ?)", slugs)
        self.db.executemany("INSERT OR REPLACE INTO ids VALUES (?, ?)", identifiers)

    def add_merged(self, merged: list[tuple[str, int]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO merged VALUES (?, ?)", merged)

    def close(self) -> None:
        self.db.close()


class Importer:
    def __init__(
        self,
        kind: str,
        user=None,
        publish: bool = False,
        skip_invalid: bool = False,
        merge_duplicates: bool = False,
    ):
        if kind not in SPECS or kind == "membership":
            raise ValueError(f"Unknown kind {kind!r}: use one of {', '.join(SPECS)}.")
        self.spec: Spec = SPECS[kind]
        self.model = self.spec.model
        self.user = user
        self.publish = publish
        self.kind = kind
        self.skip_invalid = skip_invalid
        self.merge_duplicates = merge_duplicates
        # Foreign keys a row sets come from the lookups, which read them from
        # the register: Django's check of each would be a query per row.
        self.not_checked = ["slug", "is_published", "created_at", "updated_at"] + [
            f.name for f in self.model._meta.concrete_fields if isinstance(f, models.ForeignKey)
        ]
        self.all_fields = [f.name for f in self.model._meta.concrete_fields]
        # A treaty's search vector is the database's (a trigger), heavy to read.
        unread = [f.name for f in self.model._meta.concrete_fields if f.name == "search_vector"]
        self._records = self.model.objects.defer(*unread)

    # -- the pass over the file -----------------------------------------------------

    def run(
        self,
        path: Path,
        file_format: str | None = None,
        dry_run: bool = False,
        reject_path: Path | None = None,
        progress=None,
    ) -> ImportReport:
        report = ImportReport(kind=self.kind, dry_run=dry_run, skip_invalid=self.skip_invalid)
        fmt = detect_format(path, file_format)
        self.lookups = Lookups.load()
        self.writing = not dry_run
        self.tables: set[str] = set()
        self.pending_sources: dict[tuple[str, str], InlineSource] = {}
        self.keys = FileKeys()
        self.unchanged = UnchangedRows(self.spec, self.lookups, self.publish)
        self.rejects = reject_writer(path, fmt, reject_path, self.skip_invalid, dry_run)
        total = count_rows(path, fmt) if progress else None
        try:
            with transaction.atomic():
                self._pass(path, fmt, report, progress, total)
                if not dry_run:
                    if not report.ok:
                        raise _Abort
                    # Bulk writes send no save signal: a new data version, with
                    # the rows it describes, shows the import on every page and
                    # API response at once (SPEC 8). A re-import that changes
                    # nothing keeps every cache.
                    if self.tables:
                        data_changed()
        except _Abort:
            pass
        except FileFormatError as exc:
            report.add_error(RowError(0, "file", str(exc)))
        except DatabaseError as exc:
            report.add_error(RowError(0, "database", f"Nothing was written: {exc}"))
        else:
            report.written = not dry_run
        finally:
            self.keys.close()
            if self.rejects is not None:
                report.reject_path = self.rejects.close()
        if report.written and self.tables:
            analyze(self.tables)
        return report

    def _pass(self, path, fmt, report: ImportReport, progress, total) -> None:
        rows = read_rows(path, fmt)
        while True:
            chunk = list(itertools.islice(rows, BATCH_SIZE))
            if not chunk:
                break
            held = self._held(chunk)
            self.lookups.load_stored_dates(
                self.model, {as_text(raw.get("slug")).lower() for _, raw in chunk} - {""}
            )
            parsed_rows: list[tuple[ParsedRow | UnchangedRow, dict]] = []
            for line, raw in chunk:
                report.rows += 1
                unchanged = self.unchanged.find(raw, line, held) if held else None
                if unchanged is not None:
                    parsed_rows.append((unchanged, raw))
                    continue
                try:
                    parsed = self.spec.parse(line, raw, self.lookups)
                except RowErrors as exc:
                    self._refuse(report, raw, [RowError(line, *error) for error in exc.errors])
                    continue
                parsed_rows.append((parsed, raw))
            batch = []
            for parsed, raw in self._unique_in_file(parsed_rows, report):
                if isinstance(parsed, UnchangedRow):
                    report.count("unchanged", parsed.line, parsed.slug)
                else:
                    batch.append((parsed, raw))
            if batch:
                self._process(batch, report)
            if self.rejects is not None:
                # The batch's refused rows, in the order of the file.
                self.rejects.flush()
            if progress is not None:
                progress(report.rows, total)
            if not self.skip_invalid and report.error_count >= MAX_ERRORS:
                report.add_error(RowError(0, "file", f"Stopped after {MAX_ERRORS} errors."))
                return

    def _refuse(self, report: ImportReport, raw: dict, errors: list[RowError]) -> None:
        """A row not imported: its errors reported, the row put in the reject file."""
        report.refuse(errors, raw, self.rejects)
        # An all-or-nothing import writes nothing after its first error.
        self.writing = self.writing and self.skip_invalid

    def _unique_in_file(self, rows, report) -> list[tuple[ParsedRow, dict]]:
        """The rows that are neither a repeat of an earlier row (skipped) nor a
        second version of one (refused); a slug or an identifier names one record."""
        earlier = self.keys.slugs([parsed.slug for parsed, _ in rows])
        merged_into = self.keys.merged([parsed.slug for parsed, _ in rows])
        earlier_ids = self.keys.identifiers(
            [f"{s}\x1f{v}" for parsed, _ in rows for s, v in parsed.identifiers]
        )
        kept, new_slugs, new_ids = [], [], []
        for parsed, raw in rows:
            quick = isinstance(parsed, UnchangedRow)
            values_hash = None if quick else hash(parsed.signature())
            previous = earlier.get(parsed.slug)
            if previous is not None:
                if self._same_values(previous, values_hash, parsed.line, raw):
                    report.duplicates += 1
                else:
                    message = (
                        f"Same record as line {previous[0]} (slug “{parsed.slug}”) "
                        "with other values."
                    )
                    self._refuse(report, raw, [RowError(parsed.line, "slug", message)])
                continue
            if parsed.slug in merged_into:
                message = (
                    f"Line {merged_into[parsed.slug]} is already merged into “{parsed.slug}”: "
                    "give the record one row of the file."
                )
                self._refuse(report, raw, [RowError(parsed.line, "slug", message)])
                continue
            entry = (parsed.line, values_hash, pickle.dumps(raw) if quick else None)
            earlier[parsed.slug] = entry
            new_slugs.append((parsed.slug, *entry))
            clash = None
            for scheme, value in parsed.identifiers:
                key = f"{scheme}\x1f{value}"
                owner = earlier_ids.setdefault(key, parsed.slug)
                if owner == parsed.slug:
                    new_ids.append((key, parsed.slug))
                elif clash is None:
                    clash = RowError(
                        parsed.line, scheme, f"{scheme} {value} is already given to {owner}."
                    )
            if clash is not None:
                self._refuse(report, raw, [clash])
                continue
            kept.append((parsed, raw))
        self.keys.add(new_slugs, new_ids)
        return kept

    def _same_values(self, earlier, values_hash, line, raw) -> bool:
        """Whether a row repeats an earlier row of the file; a row found
        unchanged without parsing is parsed now, to be compared."""
        earlier_line, earlier_hash, earlier_raw = earlier
        if earlier_hash is None:
            earlier_hash = self._signature_hash(earlier_line, pickle.loads(earlier_raw))
        if values_hash is None:
            values_hash = self._signature_hash(line, raw)
        return earlier_hash is not None and earlier_hash == values_hash

    def _signature_hash(self, line, raw) -> int | None:
        try:
            return hash(self.spec.parse(line, raw, self.lookups).signature())
        except RowErrors:
            return None

    def _held(self, chunk) -> dict[str, Held]:
        """What the register holds of the records the rows' slugs name, for
        the rows that change nothing (diplomacy.importing.unchanged): the
        fields and relations the file's columns compare."""
        slugs = {as_text(raw.get("slug")).lower() for _, raw in chunk} - {""}
        # (The objects of a JSON file may each have their own keys.)
        headers = {tuple(raw) for _, raw in chunk}
        fields = sorted({name for header in headers for name in self.unchanged.columns(header)})
        if not slugs or not fields:
            return {}
        records = {
            values["id"]: values
            for values in self.model.objects.filter(AnyOf(F("slug"), list(slugs))).values(*fields)
        }
        if not records:
            return {}
        pks = list(records)
        columns = {column for header in headers for column in header}
        relations = self._current_relations(pks, columns)
        identifiers = {}
        if any(self.spec.readers.get(column) in IDENTIFYING_READERS for column in columns):
            identifiers = self._current_identifiers(pks)
        citations = {}
        if any(self.spec.readers.get(column) in CITATION_READERS for column in columns):
            citations = self._current_citations(pks)
        return {
            values["slug"]: Held(
                values,
                {name: targets[pk] for name, targets in relations.items()},
                identifiers.get(pk, set()),
                citations.get(pk, set()),
            )
            for pk, values in records.items()
        }

    # -- one batch --------------------------------------------------------------------

    def _process(self, batch: list[tuple[ParsedRow, dict]], report: ImportReport) -> None:
        rows = [parsed for parsed, _ in batch]
        raws = {parsed.line: raw for parsed, raw in batch}
        self._match_identifiers(rows)
        existing = {
            record.slug: record
            for record in self._records.filter(AnyOf(F("slug"), [row.slug for row in rows]))
        }
        merging: set[int] = set()
        if self.model is Treaty:
            merging, refused = self._probable_duplicates(rows, existing, report, raws)
            rows = [row for row in rows if row.line not in refused]
        pks = [record.pk for record in existing.values()]
        current_relations = self._current_relations(pks)
        current_identifiers = self._current_identifiers(pks)
        current_citations = self._current_citations(pks)

        creates, updates, counted = [], [], []
        for row in rows:
            record = existing.get(row.slug)
            if record is not None and row.line in merging:
                self._keep_only_missing(row, record, current_relations, current_identifiers)
            errors = self._source_errors(row)
            if record is None and row.missing:
                errors += [
                    RowError(row.line, column, f"A new record needs the {column} column.")
                    for column in row.missing
                ]
            if errors:
                self._refuse(report, raws[row.line], errors)
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
            changes: list[str] = []
            if record is None:
                # The model's defaults of fields the file does not set are valid.
                check = self.not_checked + [name for name in self.all_fields if name not in values]
            else:
                changed = [
                    name for name, value in original.items() if getattr(record, name) != value
                ]
                changes = _columns(changed) + self._related_changes(
                    row, record, current_relations, current_identifiers, current_citations
                )
                if self.publish and not record.is_published:
                    changes.append("is_published")
                if not changes:
                    # Stored values, unchanged: as valid as they were.
                    report.count("unchanged", row.line, row.slug)
                    continue
                check = [name for name in self.all_fields if name not in changed]
                check += self.not_checked
            try:
                candidate.clean_fields(exclude=check)
                candidate.clean()
                self._check_party_count(row, candidate, values, current_relations)
            except ValidationError as exc:
                problems = (
                    exc.message_dict.items()
                    if hasattr(exc, "error_dict")
                    else [("row", exc.messages)]
                )
                self._refuse(
                    report,
                    raws[row.line],
                    [
                        RowError(
                            row.line,
                            name.removesuffix("_id") if name != "__all__" else "row",
                            " ".join(messages),
                        )
                        for name, messages in problems
                    ],
                )
                if record is not None:
                    for name, value in original.items():
                        setattr(record, name, value)
                continue
            if record is None:
                candidate.is_published = self.publish
                creates.append((row, candidate))
                action = "create"
            else:
                if self.publish and not record.is_published:
                    record.is_published = True
                    changed.append("is_published")
                updates.append((row, record, changed))
                action = "update"
            counted.append((action, row, changes))
        if self.writing and updates:
            # Saved by someone else since this batch read it: refused, not overwritten.
            edited = changed_meanwhile(
                self.model,
                {record.pk: {"updated_at": record.updated_at} for _, record, _ in updates},
            )
            refused = set()
            for row, record, _ in updates:
                if record.pk in edited:
                    refused.add(row.line)
                    message = EDITED_MEANWHILE.format(record=f"“{record.slug}”")
                    self._refuse(report, raws[row.line], [RowError(row.line, "row", message)])
            updates = [update for update in updates if update[0].line not in refused]
            counted = [count for count in counted if count[1].line not in refused]
        for action, row, changes in counted:
            report.count(action, row.line, row.slug, changes)
        if self.writing and (creates or updates):
            self._write(creates, updates, current_relations, current_identifiers, current_citations)

    def _source_errors(self, row: ParsedRow) -> list[RowError]:
        """A source given in the row's own columns is matched to the register's
        (by URL, else exact title); one it does not have is created with the
        rows, and needs a title."""
        if not row.citation or not isinstance(row.citation[0], InlineSource):
            return []
        source = row.citation[0]
        if self._source_for(source) is None:
            return [
                RowError(
                    row.line,
                    "source_title",
                    f"No source has the address {source.url}: give its title to add it.",
                )
            ]
        return []

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
        # One query: the values, then the exact pairs among them.
        found = TreatyIdentifier.objects.filter(
            AnyOf(F("value"), list({value for _, value in wanted}))
        ).values_list("scheme", "value", "treaty__slug")
        for scheme, value, slug in found:
            row = wanted.get((scheme, value))
            if row is not None:
                row.slug = slug

    def _probable_duplicates(self, rows, existing, report, raws) -> tuple[set[int], set[int]]:
        """Rows the register probably has under another slug (the rule of
        diplomacy.duplicates): reported, and with merge_duplicates turned
        into an update of that record; a row that would merge into a record
        an earlier row of the file merges into is refused. Returns the lines
        merged and the lines refused."""
        keys = {}
        for row in rows:
            if row.slug in existing or "parties" not in row.relations:
                continue
            values = {**row.defaults, **row.fields}
            key = duplicate_key(
                values.get("kind"),
                values.get("signed_on"),
                values.get("signed_on_precision"),
                row.relations["parties"],
            )
            if key is not None:
                keys[row.line] = key
        if not keys:
            return set(), set()
        matches = probable_duplicates_of(keys.values())
        # A record the file itself names (created or updated by an earlier
        # row) is that row's, not a duplicate found in the register.
        named = self.keys.slugs([slug for found in matches.values() for _, slug in found])
        matches = {
            key: kept
            for key, found in matches.items()
            if (kept := [(pk, slug) for pk, slug in found if slug not in named])
        }
        if not matches:
            return set(), set()
        candidates = {pk for found in matches.values() for pk, _ in found}
        their_identifiers: dict[int, set] = {}
        for pk, scheme, value in TreatyIdentifier.objects.filter(
            treaty_id__in=candidates
        ).values_list("treaty_id", "scheme", "value"):
            their_identifiers.setdefault(pk, set()).add((scheme, value))
        merged: dict[int, int] = {}
        refused: set[int] = set()
        # Each row is compared with the register as the batch read it, not
        # with what earlier rows merge into it: two rows merging into one
        # record would each add to it (a second sector, a second identifier
        # of a register, which the database refuses), and the dry run would
        # promise both. The first row merges; a later one is refused.
        merged_into = self.keys.merged(
            sorted({slug for found in matches.values() for _, slug in found})
        )
        for row in rows:
            found = [
                (pk, slug)
                for pk, slug in matches.get(keys.get(row.line), ())
                if not their_identifiers.get(pk, set()) & set(row.identifiers)
            ]
            if not found:
                continue
            pk, slug = found[0]
            merge = self.merge_duplicates
            if merge and slug in merged_into:
                message = (
                    f"Probably the same treaty as “{slug}”, which line {merged_into[slug]} "
                    "already merges into: give the record one row of the file."
                )
                self._refuse(report, raws[row.line], [RowError(row.line, "row", message)])
                refused.add(row.line)
                continue
            report.probable_duplicates.append(
                ProbableDuplicate(
                    row.line, row.slug, slug, Treaty(slug=slug).get_absolute_url(), merge
                )
            )
            if merge:
                merged[row.line] = pk
                merged_into[slug] = row.line
                row.slug = slug
        if merged:
            self.keys.add_merged([(slug, line) for slug, line in merged_into.items()])
            report.merged += len(merged)
            for record in self._records.filter(pk__in=set(merged.values())):
                existing[record.slug] = record
        return set(merged), refused

    def _keep_only_missing(self, row, record, relations, identifiers) -> None:
        """A row merged into the record it repeats adds only what the record
        lacks: empty fields, an empty relation, identifiers of other registers."""
        fields = {}
        for name, value in row.fields.items():
            base = name.removesuffix("_precision")
            if getattr(record, base) in ("", None):
                fields[name] = value
        row.fields = fields
        row.relations = {
            name: targets
            for name, targets in row.relations.items()
            if not relations[name].get(record.pk)
        }
        have = {scheme for scheme, _ in identifiers.get(record.pk, set())}
        row.identifiers = tuple((s, v) for s, v in row.identifiers if s not in have)
        row.cleared_identifiers = ()

    def _current_relations(self, pks, names=None) -> dict[str, dict[int, set[int]]]:
        """The targets of each relation (of those ``names``, else all) of each record."""
        current = {}
        for name, relation in self.spec.relations.items():
            if names is not None and name not in names:
                continue
            mapping: dict[int, set[int]] = {pk: set() for pk in pks}
            if pks:
                for owner, target in relation.through.objects.filter(
                    AnyOf(F(relation.record_fk), pks)
                ).values_list(relation.record_fk, relation.target_fk):
                    mapping[owner].add(target)
            current[name] = mapping
        return current

    def _current_identifiers(self, pks) -> dict[int, set[tuple[str, str]]]:
        if self.model is not Treaty:
            return {}
        current: dict[int, set[tuple[str, str]]] = {pk: set() for pk in pks}
        if pks:
            for owner, scheme, value in TreatyIdentifier.objects.filter(
                AnyOf(F("treaty_id"), pks)
            ).values_list("treaty_id", "scheme", "value"):
                current[owner].add((scheme, value))
        return current

    def _current_citations(self, pks) -> dict[int, set[tuple[int, str, str]]]:
        current: dict[int, set[tuple[int, str, str]]] = {pk: set() for pk in pks}
        if pks:
            for owner, source, quote, locator in self.spec.citation_model.objects.filter(
                AnyOf(F("record_id"), pks)
            ).values_list("record_id", "source_id", "quote", "locator"):
                current[owner].add((source, quote, locator))
        return current

    def _source_for(self, source: InlineSource) -> int | InlineSource | None:
        """The pk of the source a row describes; else the source to create for
        it (the first row that gave it a title; later rows may give only its
        URL); None when there is neither. As in the register (Lookups.inline_source),
        a row with a URL names the source with that URL, never another one
        that happens to share its title: that one's URL would stand for it."""
        pk = self.lookups.inline_source(source)
        if pk is not None:
            return pk
        key = ("url", source.url) if source.url else ("title", source.title.lower())
        if key in self.pending_sources:
            return self.pending_sources[key]
        if not source.title:
            return None
        self.pending_sources[key] = source
        if source.url:
            # Later rows that give only this title name it, as they would
            # name a source of the register with it.
            self.pending_sources.setdefault(("title", source.title.lower()), source)
        return source

    def _citation(self, row) -> tuple[int | InlineSource | None, str, str] | None:
        """The row's citation with its source's pk (or the source to create)."""
        if not row.citation:
            return None
        source, quote, locator = row.citation
        if isinstance(source, InlineSource):
            source = self._source_for(source)
        return (source, quote, locator)

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
        citation = self._citation(row)
        if citation and citation not in citations[record.pk]:
            changes.append("source")
        return changes

    # -- writing ---------------------------------------------------------------------

    def _note(self, model) -> None:
        """A table written: ANALYZEd after the import."""
        self.tables.add(model._meta.db_table)
        history = getattr(model, "history", None)
        if history is not None:
            self.tables.add(history.model._meta.db_table)

    def _write(self, creates, updates, relations, identifiers, citations) -> None:
        history = {"default_user": self.user, "default_change_reason": "import"}
        if creates:
            objects = [record for _, record in creates]
            fields = [f.attname for f in self.model._meta.concrete_fields if not f.primary_key]
            pks = create_rows(
                self.model,
                [{name: getattr(record, name) for name in fields} for record in objects],
                user=self.user,
                reason="import",
            )
            for record, pk in zip(objects, pks, strict=True):
                record.pk = pk
            self._note(self.model)
        now = timezone.now()
        if updates:
            fields = sorted(
                {name for _, _, changed in updates for name in changed} | {"updated_at"}
            )
            for _, record, _ in updates:
                record.updated_at = now
            bulk_update_with_history(
                [record for _, record, _ in updates], self.model, fields, batch_size=2000, **history
            )
            self._note(self.model)
        rows = [(row, record) for row, record in creates] + [
            (row, record) for row, record, _ in updates
        ]
        self._write_relations(rows, relations)
        # The new versions hold the links they were written with, as an
        # admin save's do: a later conflict names only what changed since.
        snapshot_newest_links(self.model, [record.pk for _, record in rows])
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
                    {relation.record_fk: record.pk, relation.target_fk: target}
                    for target in sorted(wanted - have)
                ]
                to_remove += [(record.pk, target) for target in have - wanted]
            for owner, target in to_remove:
                for obsolete in relation.through.objects.filter(
                    **{relation.record_fk: owner, relation.target_fk: target}
                ):
                    obsolete.delete()
            create_rows(relation.through, to_add, user=self.user, history=relation.history)
            if to_add or to_remove:
                self._note(relation.through)

    def _write_identifiers(self, rows, identifiers) -> None:
        if self.model is not Treaty:
            return
        new = []
        for row, record in rows:
            have = identifiers.get(record.pk, set())
            schemes = {scheme for scheme, _ in have}
            replaced = {scheme for scheme, value in row.identifiers if (scheme, value) not in have}
            obsolete = schemes & (set(row.cleared_identifiers) | replaced)
            if obsolete:
                TreatyIdentifier.objects.filter(treaty_id=record.pk, scheme__in=obsolete).delete()
            new += [
                {"treaty_id": record.pk, "scheme": scheme, "value": value}
                for scheme, value in row.identifiers
                if (scheme, value) not in have
            ]
        if new:
            create_rows(TreatyIdentifier, new, user=self.user)
            self._note(TreatyIdentifier)

    def _write_citations(self, rows, citations) -> None:
        self._create_sources(row for row, _ in rows)
        model = self.spec.citation_model
        new = []
        for row, record in rows:
            citation = self._citation(row)
            if citation and citation not in citations.get(record.pk, set()):
                source, quote, locator = citation
                new.append(
                    {
                        "record_id": record.pk,
                        "source_id": source,
                        "quote": quote,
                        "locator": locator,
                    }
                )
        if new:
            create_rows(model, new, user=self.user)
            self._note(model)

    def _create_sources(self, rows) -> None:
        """The sources rows describe and the register lacks, one for each."""
        wanted: dict[tuple[str, str], InlineSource] = {}
        for row in rows:
            if row.citation and isinstance(row.citation[0], InlineSource):
                source = self._source_for(row.citation[0])
                if isinstance(source, InlineSource):
                    wanted.setdefault((source.url, source.title.lower()), source)
        if not wanted:
            return
        stems = {key: slugify(source.title)[:180] or "source" for key, source in wanted.items()}
        taken = set(
            Source.objects.filter(
                Q(slug__in=stems.values())
                | Q(
                    *[Q(slug__startswith=f"{stem}-") for stem in set(stems.values())],
                    _connector=Q.OR,
                )
            ).values_list("slug", flat=True)
        )
        objects = []
        for key, source in wanted.items():
            slug, n = stems[key], 1
            while slug in taken:
                n += 1
                slug = f"{stems[key]}-{n}"
            taken.add(slug)
            date = source.published_on
            objects.append(
                {
                    "slug": slug,
                    "title": source.title,
                    "url": source.url,
                    "publisher": source.publisher,
                    "published_on": date.date if date else None,
                    "published_on_precision": date.precision if date else "day",
                    "is_published": self.publish,
                }
            )
        pks = create_rows(Source, objects, user=self.user, reason="import")
        for source, pk in zip(wanted.values(), pks, strict=True):
            self.lookups.remember_source(source, pk)
        self.pending_sources = {
            key: source
            for key, source in self.pending_sources.items()
            if source not in wanted.values()
        }
        self._note(Source)


IDENTIFIER_SCHEME_COLUMNS = {scheme: column for column, scheme in IDENTIFIER_COLUMNS.items()}


def _columns(field_names) -> list[str]:
    """The file's column for each model field (``signed_on_precision`` and
    ``signed_on`` are both the ``signed_on`` column, ``host_id`` is ``host``)."""
    columns = (name.removesuffix("_precision").removesuffix("_id") for name in field_names)
    return list(dict.fromkeys(columns))


class _Abort(Exception):
    """Rolls the import back when it has an error and invalid rows are not skipped."""
