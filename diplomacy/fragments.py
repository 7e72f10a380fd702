# moved to diplomacy.caching.fragments; shim until diplomacy/views/lists.py is updated.
from diplomacy.caching.fragments import cached_fragment

__all__ = ["cached_fragment"]
