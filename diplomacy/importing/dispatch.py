"""``import_file``: the one entry to every import kind (the command, the
admin and its background jobs call it)."""

from __future__ import annotations

from pathlib import Path

from diplomacy.importing.commitments import CommitmentImporter
from diplomacy.importing.importer import Importer
from diplomacy.importing.memberships import MembershipImporter
from diplomacy.importing.report import ImportReport


def import_file(
    path,
    kind: str,
    user=None,
    publish: bool = False,
    dry_run: bool = False,
    file_format=None,
    skip_invalid: bool = False,
    merge_duplicates: bool = False,
    reject_path=None,
    progress=None,
) -> ImportReport:
    """Import the file at ``path`` as records of ``kind`` (SPEC 6, 8).

    All-or-nothing unless ``skip_invalid``: then the valid rows are written
    and the refused ones go, with a ``reason`` column, to ``reject_path``
    (default NAME.rejects.csv or .json next to the file). ``merge_duplicates``
    makes a row that probably repeats a treaty the register has (same kind,
    signature date and parties, another slug, no shared identifier) add its
    identifiers and the fields the treaty lacks to it, instead of creating a
    second; without it such rows are created and reported as warnings.
    ``progress(rows_done, rows_total)`` is called after each batch (the
    total is None when unknown)."""
    path = Path(path)
    # A commitment or a membership is no record of its own: nothing to publish.
    if kind in ("commitment", "membership"):
        importer = {"commitment": CommitmentImporter, "membership": MembershipImporter}[kind]
        return importer(user=user, skip_invalid=skip_invalid).run(
            path, file_format, dry_run=dry_run, reject_path=reject_path, progress=progress
        )
    importer = Importer(
        kind,
        user=user,
        publish=publish,
        skip_invalid=skip_invalid,
        merge_duplicates=merge_duplicates,
    )
    return importer.run(
        path, file_format, dry_run=dry_run, reject_path=reject_path, progress=progress
    )
