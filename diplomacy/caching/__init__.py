"""Every cache of the register, and the data version that keeps them exact.

- ``version``: the data version, kept in the database with the data;
  ``data_changed()`` is the one call every write path makes (model saves
  make it through signals), ``data_version()`` what readers key by.
- ``stores``: the Django caches things are kept in, ``cached()`` for
  derived values (computed once per data version, however many ask), and
  ``cached_objects()`` for the few read on most requests, kept unpickled.
- ``pages``: the anonymous page cache (a middleware).
- ``records``: record pages' records with their change logs, per process.
- ``fragments``: rendered parts of state and relations pages.
- ``reference``: the published states and sectors by primary key, that
  list rows link to (``diplomacy.models.reference`` names the maps).
- ``settings``: ``settings.CACHES``.

``clear_all()`` empties them all (tests start from it).
"""

from diplomacy.caching.stores import cached, cached_objects, clear_all
from diplomacy.caching.version import data_changed, data_version, same_version

__all__ = ["cached", "cached_objects", "clear_all", "data_changed", "data_version", "same_version"]
