"""Record pages' records with their change logs, kept per data version in
each process (the ``process-records`` store)."""

from django.core.cache import caches

from diplomacy.caching.stores import RECORDS
from diplomacy.caching.version import data_version
from diplomacy.changelog import public_changes
from diplomacy.visibility import can_view_drafts, detail_record


def record_page_data(user, model, slug: str) -> tuple:
    """``(detail_record(...), its public change log)``, or ``(None, [])``, read
    once per data version by this process. The two depend on the data alone
    (the record's related lists hold no drafts for anyone), apart from
    whether the user may see a draft record, which is part of the key.

    Per process, not shared through Redis: a record with its related lists
    is a few dozen model instances, quicker to read again than to fetch."""
    drafts = can_view_drafts(user, model)
    key = f"record:{data_version()}:{model._meta.label_lower}:{int(drafts)}:{slug}"
    store = caches[RECORDS]
    found = store.get(key)
    if found is None:
        record = detail_record(user, model, slug)
        found = (record, public_changes(record) if record is not None else [])
        store.set(key, found)
    return found
