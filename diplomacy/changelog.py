"""The public change log of a record: its published versions, without editor identities."""

from dataclasses import dataclass
from datetime import datetime

# Bookkeeping fields that change on every save and tell a reader nothing.
IGNORED_FIELDS = {"id", "updated_at", "created_at", "is_published", "search_vector"}
CHANGELOG_LENGTH = 20


@dataclass(frozen=True)
class Version:
    date: datetime
    created: bool
    changed: list[str]


def public_changes(record, limit: int = CHANGELOG_LENGTH) -> list[Version]:
    """Newest first. One query: the published historical rows of this record."""
    model = record._meta.model
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in IGNORED_FIELDS and not f.primary_key
    ]
    labels = {f.name: str(f.verbose_name) for f in model._meta.concrete_fields}
    rows = list(record.history.filter(is_published=True)[: limit + 1])
    versions: list[Version] = []
    for newer, older in zip(rows, [*rows[1:], None], strict=False):
        if len(versions) == limit:
            break
        if older is None:
            versions.append(Version(newer.history_date, newer.history_type == "+", []))
            continue
        delta = newer.diff_against(older, included_fields=fields)
        changed = [labels.get(change.field, change.field) for change in delta.changes]
        if changed:
            versions.append(Version(newer.history_date, False, changed))
    return versions
