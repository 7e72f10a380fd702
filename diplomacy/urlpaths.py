"""Record URLs without walking the URL resolver for every link.

A list page links each row's record and its parties: a hundred ``reverse()``
calls, each of which searches the URL patterns. The pattern of a record URL
is reversed once per script prefix; each link then fills in its key.
"""

import re
from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, reverse

# Stand-ins for the key while the pattern is reversed: the second fits routes
# that take exactly two letters (state codes); keys themselves are lower case.
_PLACEHOLDERS = ("zz-key-zz", "QX")
# Keys made of these characters need no quoting; anything else takes the slow path.
_PLAIN_KEY = re.compile(r"[-a-zA-Z0-9_]+")


@lru_cache(maxsize=64)
def _pattern(name: str, kwarg: str, script_prefix: str) -> tuple[str, str] | None:
    for placeholder in _PLACEHOLDERS:
        try:
            parts = reverse(name, kwargs={kwarg: placeholder}).split(placeholder)
        except NoReverseMatch:
            continue
        if len(parts) == 2:
            return parts[0], parts[1]
    return None  # no stand-in fits this route: reverse every time


def record_url(name: str, kwarg: str, key: str) -> str:
    """``reverse(name, kwargs={kwarg: key})``, at the cost of a string join,
    for the key of a stored record (one its route accepts)."""
    pattern = _pattern(name, kwarg, get_script_prefix()) if _PLAIN_KEY.fullmatch(key) else None
    if pattern is None:
        return reverse(name, kwargs={kwarg: key})
    return f"{pattern[0]}{key}{pattern[1]}"


@lru_cache(maxsize=8)
def _pair_pattern(name: str, script_prefix: str) -> tuple[str, str, str]:
    url = reverse(name, kwargs={"a": "zz-first-zz", "b": "zz-second-zz"})
    before, rest = url.split("zz-first-zz")
    middle, after = rest.split("zz-second-zz")
    return before, middle, after


def relations_url(a: str, b: str) -> str:
    """The relations page of two state codes (a state page links one per partner)."""
    if not (_PLAIN_KEY.fullmatch(a) and _PLAIN_KEY.fullmatch(b)):
        return reverse("relations-detail", kwargs={"a": a, "b": b})
    before, middle, after = _pair_pattern("relations-detail", get_script_prefix())
    return f"{before}{a}{middle}{b}{after}"
