"""Published reference records by primary key (the states and sectors that
list rows link to), kept per data version.

A page of list rows names a hundred parties and sectors drawn from a few
hundred reference records. Those records are read once per data version
(``cached_objects``: kept in the process as objects, then pickled in the
shared cache) instead of being joined and built again for every row. The
instances are shared by every request of the process: read them, never
change them.
"""

from diplomacy.caching import cached_objects


def published_by_pk(model, *fields: str) -> dict:
    """``{pk: record}`` of the published records of ``model`` in its order,
    only ``fields`` read (``diplomacy.models.reference`` names the maps)."""
    return cached_objects(
        f"objects:{model._meta.label_lower}:{','.join(fields)}",
        lambda: {record.pk: record for record in model.objects.published().only(*fields)},
    )
