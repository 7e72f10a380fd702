# moved to diplomacy.models.reference (the maps) and diplomacy.caching.reference
# (how they are kept); shim until diplomacy/filtersets.py is updated.
from diplomacy.models.reference import published_sectors_by_pk, published_states_by_pk

__all__ = ["published_sectors_by_pk", "published_states_by_pk"]
