"""Published states and sectors by primary key, for list rows to link to.

A page of list rows names a hundred parties and sectors drawn from a few
hundred reference records. Those records are read once per data version
(``diplomacy.caching.cached``: kept in the process, then in the shared cache) instead of being
joined and built again for every row. The instances are shared by every
request of the process: read them, never change them.
"""

from diplomacy.caching import cached


def published_states_by_pk() -> dict:
    """``{pk: State}`` of the published states, by name (iso2 and name only)."""
    return cached("objects:states", _states)


def published_sectors_by_pk() -> dict:
    """``{pk: Sector}`` of the published sectors, by name (slug and name only)."""
    return cached("objects:sectors", _sectors)


def _states() -> dict:
    from diplomacy.models import State

    return {state.pk: state for state in State.objects.published().only("iso2", "name")}


def _sectors() -> dict:
    from diplomacy.models import Sector

    return {sector.pk: sector for sector in Sector.objects.published().only("slug", "name")}
