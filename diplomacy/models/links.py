"""The lists a queryset sets on each record as its rows are read: published
links (``PublishedLinks``, ``CuratedQuerySet.with_links``) and sparse lists
known to be empty (``CuratedQuerySet.prefetch_sparse``)."""

from functools import cached_property
from itertools import islice

from django.db import connections
from django.db.models.query import ModelIterable

# The annotation that tells whether a record has any rows in a sparse related list.
PRESENCE_PREFIX = "_has_"


class PublishedLinks:
    """A related list read from its link table and resolved through a map of
    the published targets that the caller keeps (cached per data version):
    one narrow query for a whole page of records, without a join, and no
    target model built per link. Targets missing from the map (drafts) drop
    out; the rest come in the map's order.

    ``through`` is the link model, ``record`` and ``target`` its two foreign
    key columns, ``targets`` a callable returning ``{pk: target}`` in order.
    The list holds the targets, or with ``rows=True`` the link rows
    themselves (a treaty's party rows, with their ratification), each with
    its target and record already set.
    """

    def __init__(self, to_attr: str, through, record: str, target: str, targets, rows=False):
        self.to_attr = to_attr
        self.through = through
        self.record = record
        self.target = target
        self.targets = targets
        self.rows = rows

    def attach(self, records: list, database: str, pairs: list | None = None) -> None:
        """Set each record's list. ``pairs``: the link rows' ``columns``
        when already read (``attach_links``), else they are read here."""
        targets = self.targets()
        rank = {pk: position for position, pk in enumerate(targets)}
        found: dict[int, list] = {record.pk: [] for record in records}
        if pairs is None:
            pairs = run_sql(database, *self.select_sql(database, found))
        if self.rows:
            self._attach_rows(records, database, targets, rank, found, pairs)
            return
        for record_id, target_id in pairs:
            if target_id in rank:
                found[record_id].append(target_id)
        for record in records:
            ids = sorted(found[record.pk], key=rank.__getitem__)
            setattr(record, self.to_attr, [targets[pk] for pk in ids])

    @cached_property
    def columns(self) -> list[str]:
        """The columns read: the record's and the target's first (so that the
        links of a page read together line up), then, for link rows, the rest."""
        if not self.rows:
            return [self.record, self.target]
        rest = [f.column for f in self.through._meta.concrete_fields]
        return [self.record, self.target, *(c for c in rest if c not in (self.record, self.target))]

    def select_sql(self, database: str, record_ids, pad: int = 0) -> tuple[str, list]:
        """SQL for the ``columns`` of the link rows of ``record_ids``, in no
        order (the map gives it), and ``pad`` empty columns after them. Plain
        SQL: the query is the same every time but for the ids, and building it
        through the ORM cost more than running it."""
        connection = connections[database]
        quote = connection.ops.quote_name
        select = ", ".join([*(quote(column) for column in self.columns), *["NULL"] * pad])
        table, record = quote(self.through._meta.db_table), quote(self.record)
        if connection.vendor == "postgresql":
            where, params = f"{record} = ANY(%s)", [list(record_ids)]
        else:
            where, params = f"{record} IN ({', '.join(['%s'] * len(record_ids))})", list(record_ids)
        return f"SELECT {select} FROM {table} WHERE {where}", params

    def _attach_rows(self, records, database, targets, rank, found, read) -> None:
        """``read``: rows of ``columns``, record and target first."""
        model = self.through
        record_field = model._meta.get_field(self.record.removesuffix("_id"))
        target_field = model._meta.get_field(self.target.removesuffix("_id"))
        fields = model._meta.concrete_fields
        names = [field.attname for field in fields]
        # Where each field's value is in a row as read (models take them in field order).
        order = [self.columns.index(field.column) for field in fields]
        by_pk = {record.pk: record for record in records}
        for values in read:
            record_id, target_id = values[0], values[1]
            if target_id in rank:
                row = model.from_db(database, names, [values[at] for at in order])
                target_field.set_cached_value(row, targets[target_id])
                record_field.set_cached_value(row, by_pk[record_id])
                found[record_id].append(row)
        for record in records:
            rows = found[record.pk]
            rows.sort(key=lambda row: rank[getattr(row, self.target)])
            setattr(record, self.to_attr, rows)


def run_sql(database: str, sql: str, params: list) -> list[tuple]:
    with connections[database].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def attach_links(links, records: list, database: str) -> None:
    """``link.attach`` for each link, the rows of all of them read in one
    query (a list page's parties and sectors, a treaty's party rows and
    sectors: one round trip). Every part reads the record's and the target's
    ids first, so the columns of a ``UNION ALL`` line up; the one link that
    reads whole link rows, if any, fills the columns after them, the others
    read empty ones there."""
    together = [link for link in links if not link.rows]
    whole = [link for link in links if link.rows]
    if len(whole) == 1:  # two would put different columns side by side
        # First: PostgreSQL types the empty columns of the parts after it
        # from its columns (an empty column of the first part would be text).
        together.insert(0, whole[0])
    read: dict[PublishedLinks, list] = {}
    if len(together) > 1 and records:
        ids = [record.pk for record in records]
        width = max(len(link.columns) for link in together)
        parts = [link.select_sql(database, ids, pad=width - len(link.columns)) for link in together]
        sql = " UNION ALL ".join(
            f"SELECT {n} AS link, {select.removeprefix('SELECT ')}"
            for n, (select, _) in enumerate(parts)
        )
        read = {link: [] for link in together}
        for n, *values in run_sql(database, sql, [p for _, ps in parts for p in ps]):
            link = together[n]
            read[link].append(values if link.rows else values[:2])
    for link in links:
        link.attach(records, database, read.get(link))


class AttachingIterable(ModelIterable):
    """Django's model rows, each record given its sparse lists known empty and
    its published links (``CuratedQuerySet``'s ``sparse_lists`` and
    ``published_links``), before Django's prefetch step runs.

    Sparse lists: a record whose presence flag says the list is empty gets
    ``[]``, so Django's prefetch leaves it out, and runs no query for a
    relation no record has. Links: one query for all of them, for all the
    records at once.

    Why an iterable, set as the queryset's ``_iterable_class`` (a name Django
    does not document): the lists must be there however the queryset is read
    (a list page's paginator slices it, the admin and DRF evaluate it
    themselves, a CSV export streams it with ``iterator()``), and Django has
    no public hook that runs on every way of reading a queryset. Django's
    prefetch protocol would run one query per list (the parties and sectors
    of a page read together here are one) and build a target model per link.
    """

    def __iter__(self):
        queryset = self.queryset
        records = super().__iter__()
        if queryset.sparse_lists:
            records = _mark_empty(records, queryset.sparse_lists)
        if not queryset.published_links:
            yield from records
            return
        # Links are read per batch: per chunk when streaming (``iterator()``,
        # a CSV export of a million rows), else for all the rows at once.
        batch_size = self.chunk_size if self.chunked_fetch else None
        while batch := list(islice(records, batch_size)):
            attach_links(queryset.published_links, batch, queryset.db)
            yield from batch


def _mark_empty(records, sparse_lists):
    for record in records:
        for to_attr in sparse_lists:
            if not getattr(record, PRESENCE_PREFIX + to_attr):
                setattr(record, to_attr, [])
        yield record
