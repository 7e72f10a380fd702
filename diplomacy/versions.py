"""A record's version, so that a save made from a stale copy is refused, not merged.

Every curated record has ``updated_at``, set on each save (admin, admin
actions, API, import): the instant of its last write is its version. The admin's
change form carries the version it was loaded from and the API's ``ETag`` names
it; a write checks it against the row it has locked (``select_for_update``), in
the transaction that writes, so two writes from the same version cannot both
pass. No column of its own, so no migration; a library such as
django-concurrency would need one on every model.
"""

import datetime
import re

from django.utils import timezone
from django.utils.http import parse_etags
from django.utils.timezone import localtime
from simple_history.models import SIMPLE_HISTORY_REVERSE_ATTR_NAME

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def version_token(model, pk, updated_at: datetime.datetime) -> str:
    """``treaty-12-1724400000123456``: the model, the key and the last write in µs."""
    return f"{_token_prefix(model, pk)}{(updated_at - EPOCH) // MICROSECOND}"


def _token_prefix(model, pk) -> str:
    return f"{model._meta.model_name}-{pk}-"


def version_of(record) -> str:
    return version_token(type(record), record.pk, record.updated_at)


def loaded_version(record) -> str:
    """The version a form shown for ``record`` starts from. A past version that
    django-simple-history shows for reverting (it marks the instance) starts from
    the record's current one: the revert is refused only if the record changes
    while that page is open."""
    if getattr(record, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None) is None:
        return version_of(record)
    current = current_version(type(record), record.pk)
    return current or ""


def current_version(model, pk, lock: bool = False) -> str | None:
    """The version in the database (None: no such record). With ``lock``, inside
    a transaction, the row stays locked until it ends (PostgreSQL; SQLite lets
    one transaction write at a time)."""
    rows = model.objects.filter(pk=pk)
    if lock:
        rows = rows.select_for_update()
    updated_at = rows.values_list("updated_at", flat=True).first()
    return None if updated_at is None else version_token(model, pk, updated_at)


def changed_fields(model, pk, loaded: str) -> list[str]:
    """The names of the fields changed since the version ``loaded`` (empty if it
    is no longer in the history, e.g. a version token from another record)."""
    prefix = _token_prefix(model, pk)
    micros = loaded.removeprefix(prefix)
    # A save's instant has at most 17 digits until the year 5138; more is a
    # forged token, no version (and past any date Python can hold).
    if not loaded.startswith(prefix) or not re.fullmatch(r"[0-9]{1,17}", micros):
        return []
    versions = _history(model, pk)
    then = versions.filter(updated_at=EPOCH + int(micros) * MICROSECOND).first()
    now = versions.first()
    if then is None or now is None or then.history_id == now.history_id:
        return []
    delta = now.diff_against(then, excluded_fields=["updated_at"])
    return [str(model._meta.get_field(change.field).verbose_name) for change in delta.changes]


def _history(model, pk):
    """The record's versions, newest first."""
    return model.history.filter(**{model._meta.pk.attname: pk})


def last_change(model, pk) -> str:
    """Who changed the record last and when, as a sentence part: "by Ann Lee at
    2025-06-01 14:03:07 UTC" (the newest history record)."""
    newest = _history(model, pk).select_related("history_user").first()
    if newest is None:
        return "by someone else"
    user = newest.history_user
    who = (user.get_full_name() or user.get_username()) if user else "a command or an import"
    when = localtime(newest.history_date).strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"by {who} at {when}"


def if_match_passes(header: str, current: str) -> bool:
    """Whether an ``If-Match`` header names the ``current`` version: ``*``, or
    one of its entity tags. A tag is ``"<version>"`` or ``"<version>.<digest>"``
    (the digest tells representations apart for caches, not versions); one
    weakened by a compressing proxy (``W/``) still names the same version.
    Anything malformed names no version."""
    tags = parse_etags(header)
    if tags == ["*"]:
        return True
    for tag in tags:
        version = tag.removeprefix("W/").strip('"').partition(".")[0]
        if version == current:
            return True
    return False


def new_versions(model, pks, user, reason: str, defer: tuple[str, ...] = ()) -> None:
    """A new version of each record of ``pks`` whose form shows rows that
    were just written elsewhere (a treaty's party rows by an import, a
    succession saved from the other state's form): a form opened before is
    then stale, and its save is refused instead of writing the old rows back.
    A history row each names who and why, for the refusal's message
    (``defer``: big columns the history does not keep)."""
    pks = list(pks)
    if not pks:
        return
    model.objects.filter(pk__in=pks).update(updated_at=timezone.now())
    model.history.bulk_history_create(
        list(model.objects.filter(pk__in=pks).defer(*defer)),
        update=True,
        default_user=user,
        default_change_reason=reason,
    )
