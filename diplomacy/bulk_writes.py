"""Writing many new rows at once: COPY on PostgreSQL, batched INSERTs elsewhere.

An import of 100,000 treaties writes about 1,500,000 rows (records, parties,
sectors, identifiers, citations and a history row for most). Django's
``bulk_create`` builds a model instance and prepares each value of each of
them, and sends them as one INSERT statement per batch: about 100 rows a
second. Here each new row is a mapping of column values; on PostgreSQL the
rows stream in through COPY while this process prepares the next ones (the
server works on the other core), with their primary keys drawn from the
table's sequence first, and their history rows (django-simple-history's
tables, with the same values an admin save or ``bulk_create_with_history``
gives them) streamed the same way. Elsewhere (SQLite) it hands model
instances to django-simple-history's ``bulk_create_with_history``.

COPY, like ``bulk_create``, sends no signal and calls no ``save()``: the
callers move the data version themselves (``diplomacy.caching.data_changed``).
Triggers do run (search vectors, the copies of a treaty's date on its parties).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace

from django.db import connections, router
from django.db.models import Max, Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

BATCH_SIZE = 2000
# Values of these fields are Python values psycopg sends as they are.
PLAIN_TYPES = {
    "AutoField", "BigAutoField", "SmallAutoField", "BigIntegerField", "IntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField", "BooleanField",
    "CharField", "SlugField", "TextField", "URLField", "EmailField", "DateField",
    "DateTimeField", "DecimalField", "ForeignKey", "OneToOneField", "SearchVectorField",
}  # fmt: skip
# The columns django-simple-history adds to a history row, in the order written.
HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user")


def append_rows(table: str, columns: Sequence[str], rows: Iterable[tuple], using="default") -> int:
    """Append ``rows`` (tuples of values in the order of ``columns``) to ``table``."""
    connection = connections[using]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            # Django's cursor hands psycopg's own methods through, and so
            # psycopg's own errors (a constraint broken, a trigger's refusal):
            # turned into Django's, as its execute() turns them, so that a
            # caller's ``except DatabaseError`` catches them.
            with connection.wrap_database_errors, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def create_rows(
    model: type[Model],
    rows: Sequence[Mapping],
    *,
    user=None,
    reason: str = "",
    history: bool = True,
) -> list[int]:
    """Create one record of ``model`` for each mapping of field attnames to
    values (a field left out takes its default; ``auto_now`` fields the time
    now), with a history row each when ``history`` and the model keeps one.
    Returns the new primary keys, in the order of ``rows``."""
    if not rows:
        return []
    using = router.db_for_write(model)
    if connections[using].vendor != "postgresql":
        return _create_with_orm(model, rows, user, reason, history, using)
    now = timezone.now()
    connection = connections[using]
    pk = model._meta.pk
    fields = [pk] + [field for field in model._meta.concrete_fields if not field.primary_key]
    # What each column takes: the row's value, a default, or (auto_now) the
    # time now, as Django's save and bulk_create give them; then, for a value
    # psycopg cannot send as it is, the field's own preparation.
    plan = [
        (field.attname, _filler(field, now), _is_stamped(field), _converter(field, connection))
        for field in fields[1:]
    ]
    pks = _reserve_pks(model, len(rows), using)
    values = []
    for row, new_pk in zip(rows, pks, strict=True):
        record = [new_pk]
        for attname, fill, stamped, convert in plan:
            value = row[attname] if not stamped and attname in row else fill()
            record.append(value if convert is None else convert(value))
        values.append(record)
    append_rows(model._meta.db_table, [field.column for field in fields], values, using)
    historical = getattr(model, "history", None) if history else None
    if historical is not None:
        _append_history(historical.model, fields, values, user, reason, now, using)
    return pks


def _create_with_orm(model, rows, user, reason, history, using) -> list[int]:
    objects = [model(**row) for row in rows]
    keeps_history = history and getattr(model, "history", None) is not None
    if not connections[using].features.can_return_rows_from_bulk_insert:
        # A database that gives no keys back from a bulk insert (SQLite before
        # 3.35): one save each, its history row written by its signal.
        for obj in objects:
            obj._history_user, obj._change_reason = user, reason or None
            obj.save(using=using)
    elif keeps_history:
        bulk_create_with_history(
            objects, model, batch_size=BATCH_SIZE, default_user=user,
            default_change_reason=reason or None,
        )  # fmt: skip
    else:
        model.objects.using(using).bulk_create(objects, batch_size=BATCH_SIZE)
    return [obj.pk for obj in objects]


def _is_stamped(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _filler(field, now):
    """The value a field takes when the row leaves it out."""
    if _is_stamped(field):
        return lambda: now
    if field.has_default() and callable(field.default):
        return field.get_default
    default = field.get_default()
    return lambda: default


def _converter(field, connection):
    """None for a value psycopg sends as it is; else what makes it sendable."""
    if field.get_internal_type() not in PLAIN_TYPES:
        return lambda value: field.get_db_prep_save(value, connection)
    if field.choices:
        # A default may be a member of the field's choices (an enum).
        return lambda value: value.value if isinstance(value, enum.Enum) else value
    return None


def _reserve_pks(model, count: int, using: str) -> list[int]:
    """``count`` new primary keys from the table's own sequence (or identity)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connections[using].cursor() as cursor:
        # The sequence is looked up once: pg_get_serial_sequence in the select
        # list would read the catalog again for each key (ten times slower).
        cursor.execute(
            "WITH seq AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS s) "
            "SELECT nextval(s) FROM seq, generate_series(1, %s)",
            [connections[using].ops.quote_name(table), column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _append_history(history_model, fields, records, user, reason, now, using) -> None:
    """A "created" history row for each record, as django-simple-history writes
    it: the record's tracked values, the time, the user and the reason."""
    position = {field.attname: n for n, field in enumerate(fields)}
    tracked = [
        field
        for field in history_model._meta.concrete_fields
        if not field.primary_key and field.name not in HISTORY_FIELDS
    ]
    taken = [position[field.attname] for field in tracked]
    # No reason is NULL, as django-simple-history writes it.
    tail = (now, reason or None, "+", getattr(user, "pk", None))
    columns = [field.column for field in tracked] + [
        history_model._meta.get_field(name).column for name in HISTORY_FIELDS
    ]
    append_rows(
        history_model._meta.db_table,
        columns,
        ((*(record[n] for n in taken), *tail) for record in records),
        using,
    )


def analyze(tables, using="default") -> None:
    """Fresh planner statistics for tables just written in bulk, so that list
    counts estimated from them ("about 1,200,000") are right at once, whether
    or not autovacuum has run (SQLite's ANALYZE feeds its planner too)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def snapshot_newest_links(model: type[Model], pks: Iterable[int]) -> None:
    """``snapshot_links`` for the newest version of each record of ``pks``: the
    versions an import has just written in bulk, once it has written their
    links too."""
    if not _link_snapshot_models(model):
        return
    newest = (
        model.history.filter(id__in=list(pks))
        .values("id")
        .annotate(history_id=Max("history_id"))
        .order_by()
    )
    snapshot_links(model, [SimpleNamespace(**version) for version in newest])


def _link_snapshot_models(model: type[Model]) -> list[type[Model]]:
    """The models of the links django-simple-history keeps with each version."""
    return [
        relation.related_model
        for relation in model.history.model._meta.related_objects
        if relation.field.name == "history"
    ]


def snapshot_links(model: type[Model], versions: Sequence) -> None:
    """Give bulk-written versions the links django-simple-history keeps with
    each version of a record (its tracked many-to-many fields: a treaty's
    sectors, signatories, organizations), copied from the links the records
    have now. ``bulk_history_create`` writes the versions alone; without
    these, the next version's links looked changed (a conflict named them).

    Each link model of the history is matched to the through table whose
    columns it copies (Django's own metadata: no names guessed)."""
    if not versions:
        return
    record_ids = {version.id: version.history_id for version in versions}
    own = {"history", "m2m_history_id"}
    for snapshot in _link_snapshot_models(model):
        columns = {field.name for field in snapshot._meta.fields} - own
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            if {f.name for f in through._meta.fields} != columns:
                continue
            (source,) = [f.attname for f in through._meta.fields if f.related_model is model]
            rows = through.objects.filter(**{f"{source}__in": list(record_ids)})
            snapshot.objects.bulk_create(
                [
                    snapshot(
                        history_id=record_ids[getattr(row, source)],
                        **{f.attname: getattr(row, f.attname) for f in through._meta.fields},
                    )
                    for row in rows
                ],
                batch_size=BATCH_SIZE,
            )
