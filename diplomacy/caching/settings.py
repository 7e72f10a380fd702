"""``settings.CACHES`` of the register (config/settings.py calls ``caches``).

Kept free of Django imports: the settings module imports it.
"""

import hashlib
from pathlib import Path

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"

# The per-process stores (``diplomacy.caching.stores``) and how many entries
# each keeps at most (LocMem then drops a third, least recently used first).
# Entries of an older data version are never read again; the timeout lets
# them go even when a store never fills.
PROCESS_STORES = {
    "process-values": 512,
    "process-html": 48,  # at most about 5 MB of rendered parts
    "process-widgets": 256,  # at most about 3 MB of rendered selects
    "process-records": 256,
}
PROCESS_TIMEOUT = 3600

# The shared cache without Redis is per process too: pages, derived values,
# locks and throttle counts, this many at most.
LOCAL_DEFAULT_ENTRIES = 1000


def caches(redis_url: str | None, key_prefix: str) -> dict:
    """``default``: Redis when ``redis_url`` is set (shared by the app
    servers), else this process's memory; then the process stores. Each
    LocMem store has a LOCATION of its own: LocMem stores with the same
    LOCATION share their entries."""
    if redis_url:
        default = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    else:
        default = {
            "BACKEND": LOCMEM,
            "LOCATION": "shared",
            "OPTIONS": {"MAX_ENTRIES": LOCAL_DEFAULT_ENTRIES},
        }
    return {"default": {**default, "KEY_PREFIX": key_prefix}, **PROCESS_CACHES}


PROCESS_CACHES = {
    alias: {
        "BACKEND": LOCMEM,
        "LOCATION": alias,
        "TIMEOUT": PROCESS_TIMEOUT,
        "OPTIONS": {"MAX_ENTRIES": entries},
    }
    for alias, entries in PROCESS_STORES.items()
}


# What a release is made of, of the files under diplomacy/ and templates/.
RELEASED = {".py", ".html", ".txt", ".xml", ".json", ".csv"}


def release_fingerprint(base_dir: Path) -> str:
    """A short hash of the code, templates and data files under ``base_dir``
    that render and derive what is cached (pages, rendered parts, pickled
    values; the world map's shapes are a JSON file): each release keeps its
    own cache keys (``CACHE_KEY_PREFIX``), so a deploy, rolling or not, never
    serves what older code or data made."""
    digest = hashlib.blake2b(digest_size=6)
    for folder in ("diplomacy", "templates"):
        for path in sorted((base_dir / folder).rglob("*")):
            if path.suffix in RELEASED and path.is_file():
                digest.update(str(path.relative_to(base_dir)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()
