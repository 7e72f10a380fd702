"""Record URLs without walking the URL resolver for every link.

A list page links each row's record and its parties: a hundred ``reverse()``
calls, each of which searches the URL patterns. The pattern of a record URL
is reversed once per script prefix; each link then fills in its key.
"""

import re
from functools import lru_cache

from django.urls import get_script_prefix, reverse

_PLACEHOLDER = "zz-key-zz"
# Keys made of these characters need no quoting; anything else takes the slow path.
_PLAIN_KEY = re.compile(r"[-a-zA-Z0-9_]+")


@lru_cache(maxsize=64)
def _pattern(name: str, kwarg: str, script_prefix: str) -> tuple[str, str]:
    before, after = reverse(name, kwargs={kwarg: _PLACEHOLDER}).split(_PLACEHOLDER)
    return before, after


def record_url(name: str, kwarg: str, key: str) -> str:
    """``reverse(name, kwargs={kwarg: key})``, at the cost of a string join."""
    if not _PLAIN_KEY.fullmatch(key):
        return reverse(name, kwargs={kwarg: key})
    before, after = _pattern(name, kwarg, get_script_prefix())
    return f"{before}{key}{after}"
