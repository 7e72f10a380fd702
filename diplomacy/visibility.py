"""Who sees drafts: the public never; staff with the model's view permission do."""

from functools import cache

from django.core.cache import caches
from django.utils.http import http_date

from diplomacy.caching import data_version
from diplomacy.caching.stores import RECORDS
from diplomacy.changelog import public_changes
from diplomacy.models.base import get_compiled


def can_view_drafts(user, model) -> bool:
    opts = model._meta
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


def visible_records(request, model):
    """Published records, or every record for staff who may preview drafts."""
    manager = model.objects
    return manager.all() if can_view_drafts(request.user, model) else manager.published()


def visible_for_detail(user, model):
    """``visible_records(...).for_detail()``: a record page's queryset."""
    return _detail_queryset(model, can_view_drafts(user, model))


def detail_record(user, model, slug: str):
    """The record a record page shows (None if there is none for this user),
    read through its SQL compiled once per process (``get_compiled``)."""
    return get_compiled(visible_for_detail(user, model), "slug", slug)


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


@cache
def _detail_queryset(model, drafts: bool):
    # Built once per process: its prefetches and presence flags cost more to
    # build (~1.5 ms) than a record page's queries to run. Each request only
    # filters it, which clones it; nothing may ever evaluate this one.
    manager = model.objects
    return (manager.all() if drafts else manager.published()).for_detail()


def mark_private_if_draft(response, record):
    """A draft preview must never be cached or indexed; a published page says when it
    last changed, for conditional GET (If-Modified-Since → 304)."""
    response["Last-Modified"] = http_date(record.updated_at.timestamp())
    if not record.is_published:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response
