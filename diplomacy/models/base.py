"""What every curated record shares: a stable slug, timestamps, publication."""

import copy
from functools import cache, cached_property
from itertools import islice

from django.db import connections, models
from django.db.models.constants import LOOKUP_SEP
from django.db.models.query import ModelIterable

# The annotation that tells whether a record has any rows in a sparse related list.
PRESENCE_PREFIX = "_has_"


def _related_rows(model, name: str) -> models.QuerySet:
    """The rows that link a record of ``model`` (``OuterRef("pk")``) to its
    related ``name``, drafts included: a superset, so "none" is always true."""
    field = model._meta.get_field(name)
    if field.many_to_many and not field.auto_created:
        through = field.remote_field.through
        return through.objects.filter(**{field.m2m_field_name(): models.OuterRef("pk")})
    if field.one_to_many:
        return field.related_model.objects.filter(**{field.field.name: models.OuterRef("pk")})
    raise TypeError(f"{model.__name__}.{name}: only forward many-to-many and reverse foreign keys.")


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
        if self.rows:
            if pairs is None:
                pairs = _run(database, *self._select_sql(database, self.columns, found))
            self._attach_rows(records, database, targets, rank, found, pairs)
            return
        if pairs is None:
            pairs = _run(database, *self._select_sql(database, (self.record, self.target), found))
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

    def _select_sql(self, database: str, columns, record_ids, pad: int = 0) -> tuple[str, list]:
        """SQL for ``columns`` of the link rows of ``record_ids``, in no order
        (the map gives it), and ``pad`` empty columns after them. Plain SQL:
        the query is the same every time but for the ids, and building it
        through the ORM cost more than running it."""
        connection = connections[database]
        quote = connection.ops.quote_name
        select = ", ".join([*(quote(column) for column in columns), *["NULL"] * pad])
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
        columns = self.columns
        order = [columns.index(field.column) for field in fields]
        by_pk = {record.pk: record for record in records}
        for values in read:
            record_id, target_id = values[0], values[1]
            if target_id in rank:
                row = model.from_db(database, names, [values[at] for at in order])
                target_field.set_cached_value(row, targets[target_id])
                record_field.set_cached_value(row, by_pk[record_id])
                found[record_id].append(row)
        target_id = self.target
        for record in records:
            rows = found[record.pk]
            rows.sort(key=lambda row: rank[getattr(row, target_id)])
            setattr(record, self.to_attr, rows)


def _run(database: str, sql: str, params: list) -> list[tuple]:
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
        parts = [
            link._select_sql(database, link.columns, ids, pad=width - len(link.columns))
            for link in together
        ]
        sql = " UNION ALL ".join(
            f"SELECT {n} AS link, {select.removeprefix('SELECT ')}"
            for n, (select, _) in enumerate(parts)
        )
        read = {link: [] for link in together}
        for n, *values in _run(database, sql, [p for _, ps in parts for p in ps]):
            link = together[n]
            read[link].append(values if link.rows else values[:2])
    for link in links:
        link.attach(records, database, read.get(link))


class CuratedIterable(ModelIterable):
    """Records with their sparse lists marked and their published links attached.

    Sparse lists (``prefetch_sparse``): each record gets an empty list for
    every relation the main query found empty; Django's prefetch step then
    leaves those records out, and runs no query for a relation no record has.
    Links (``with_links``): one query per link for all the records at once.
    """

    def __iter__(self):
        queryset = self.queryset
        flags = [
            (name, name.removeprefix(PRESENCE_PREFIX))
            for name in queryset.query.annotations
            if name.startswith(PRESENCE_PREFIX)
        ]
        records = super().__iter__()
        if flags:
            records = _mark_empty(records, flags)
        if not queryset._published_links:
            yield from records
            return
        # Links are read per batch: per chunk when streaming (``iterator()``,
        # a CSV export of a million rows), else for all the rows at once.
        batch_size = self.chunk_size if self.chunked_fetch else None
        while batch := list(islice(records, batch_size)):
            attach_links(queryset._published_links, batch, queryset.db)
            yield from batch


def _mark_empty(records, flags):
    for record in records:
        for flag, to_attr in flags:
            if not getattr(record, flag):
                setattr(record, to_attr, [])
        yield record


# Stand in for the looked-up value while a query is compiled; never sent.
_TEXT_KEY = "\x00key\x00"
_NUMBER_KEY = -7_340_912_665_018_223


@cache
def _compiled(queryset, field: str, database: str, limit: int | None):
    """The compiler of ``queryset.filter(field=key)[:limit]`` after compiling,
    its SQL and parameters, and where the key is among them."""
    model_field = queryset.model._meta.get_field(field)
    if model_field.is_relation:
        model_field = model_field.target_field
    is_number = isinstance(model_field, models.IntegerField)
    key = _NUMBER_KEY if is_number else _TEXT_KEY
    template = queryset.using(database).filter(**{field: key})[:limit]
    compiler = template.query.get_compiler(using=database)
    sql, params = compiler.as_sql()
    if params.count(key) != 1:
        raise ValueError(f"{queryset.model.__name__}.{field}: its value is not one parameter.")
    return compiler, sql, params, params.index(key)


class _Compiled:
    """Stands in for a compiler that has compiled its query: returns the SQL
    compiled once, with this call's parameters; the rest (the columns, how to
    build models from rows) is the compiled one's."""

    def __init__(self, compiler, sql: str, params: tuple):
        self._compiler, self._sql, self._params = compiler, sql, params

    def __call__(self, using=None, connection=None, elide_empty=True):
        compiler = copy.copy(self._compiler)
        # This thread's connection, not the one of the thread that compiled it.
        compiler.connection = connection or connections[compiler.using]
        compiler.as_sql = self.as_sql
        return compiler

    def as_sql(self, with_limits=True, with_col_aliases=False):
        return self._sql, self._params


def fetch_compiled(queryset, field: str, value, limit: int | None = None) -> list:
    """``list(queryset.filter(**{field: value})[:limit])`` for a queryset built
    once and kept (a record page's, a change log's): its SQL is compiled once
    too, and each call only runs it with ``value``; the records come as the
    queryset makes them (its prefetches, links and presence flags included).
    Compiling a record page's query (six presence flags, every column) took
    longer than running it."""
    database = queryset.db  # asked each time: a request may be pinned to the primary
    compiler, sql, params, at = _compiled(queryset, field, database, limit)
    run = queryset.using(database)
    run.query.get_compiler = _Compiled(compiler, sql, (*params[:at], value, *params[at + 1 :]))
    return list(run)


def get_compiled(queryset, field: str, value):
    """``queryset.get(**{field: value})`` through ``fetch_compiled``, or None.
    The record's to-many lists held by a foreign key on the listed model (its
    citations, identifiers, related treaties...) are read through their own
    compiled query; the rest are prefetched as the queryset says."""
    base, lists = _split_prefetches(queryset)
    records = fetch_compiled(base, field, value, limit=2)
    if len(records) != 1:
        return None
    record = records[0]
    for prefetch, foreign_key in lists:
        if prefetch.to_attr in vars(record):
            continue  # known empty (``prefetch_sparse``)
        rows = fetch_compiled(prefetch.queryset, foreign_key.attname, record.pk)
        for row in rows:
            foreign_key.set_cached_value(row, record)
        setattr(record, prefetch.to_attr, rows)
    return record


@cache
def _split_prefetches(queryset):
    """The queryset without its one-level reverse foreign key ``Prefetch``es
    (with a queryset and a ``to_attr``), and those, with their foreign keys."""
    lists, kept = [], []
    for lookup in queryset._prefetch_related_lookups:
        if (
            isinstance(lookup, models.Prefetch)
            and lookup.to_attr
            and lookup.queryset is not None
            and LOOKUP_SEP not in lookup.prefetch_through
        ):
            relation = queryset.model._meta.get_field(lookup.prefetch_through)
            if relation.one_to_many and not relation.many_to_many:
                lists.append((lookup, relation.field))
                continue
        kept.append(lookup)
    return queryset.prefetch_related(None).prefetch_related(*kept), lists


class CuratedQuerySet(models.QuerySet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._published_links: tuple[PublishedLinks, ...] = ()

    def _clone(self):
        clone = super()._clone()
        clone._published_links = self._published_links
        return clone

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def published(self):
        """Records the public may see. Drafts never leave this filter."""
        return self.filter(is_published=True)

    def for_list(self):
        return self

    def for_detail(self):
        return self.for_list()

    def prefetch_sparse(self, *prefetches: models.Prefetch):
        """Prefetch related lists that most records leave empty (relations to
        other treaties, signatories, organizations...) only for the records that
        have rows in them. One EXISTS each in the main query (an index probe)
        replaces a query per empty list: a detail page made seven queries that
        returned nothing. Every prefetch needs a ``to_attr``."""
        flags = {}
        for prefetch in prefetches:
            if not prefetch.to_attr:
                raise ValueError(f"{prefetch.prefetch_through}: a sparse prefetch needs to_attr.")
            related = _related_rows(self.model, prefetch.prefetch_through)
            flags[PRESENCE_PREFIX + prefetch.to_attr] = models.Exists(related)
        queryset = self.annotate(**flags).prefetch_related(*prefetches)
        queryset._iterable_class = CuratedIterable
        return queryset

    def with_links(self, *links: PublishedLinks | None):
        """Attach related lists of published targets (``PublishedLinks``) that
        the caller resolves from a cached map, instead of a prefetch that
        joins and builds a target model for every row. A link replaces one
        of the same name; ``with_links(None)`` drops them all, as
        ``prefetch_related(None)`` does prefetches."""
        queryset = self._chain()
        if links == (None,):
            queryset._published_links = ()
            return queryset
        replaced = {link.to_attr for link in links}
        kept = [link for link in self._published_links if link.to_attr not in replaced]
        queryset._published_links = (*kept, *links)
        queryset._iterable_class = CuratedIterable
        return queryset


class CuratedModel(models.Model):
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="Stable identifier used in URLs; do not change once published.",
    )
    is_published = models.BooleanField(
        "published",
        default=False,
        db_index=True,
        help_text="Drafts are invisible to the public everywhere.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CuratedQuerySet.as_manager()

    class Meta:
        abstract = True

    def natural_key(self) -> tuple[str]:
        """Fixtures refer to records by slug, so the seed corpus loads into any database."""
        return (self.slug,)
