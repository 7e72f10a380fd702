"""Record URLs without walking the URL resolver for every link.

A list page links each row's record and its parties: a hundred ``reverse()``
calls, each of which searches the URL patterns. The pattern of a route is
reversed once per script prefix, with stand-ins for its keys; each link then
fills in its keys.
"""

import re
from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, reverse

# Stand-ins for the keys while a pattern is reversed: the long ones fit slug
# routes, the two-letter ones routes that take exactly two letters (state
# codes; the keys filled in are lower case, so a stand-in never collides).
_PLACEHOLDER_SETS = (("zz-key1-zz", "zz-key2-zz"), ("QX", "QY"))
# Keys made of these characters need no quoting; anything else takes the slow path.
_PLAIN_KEY = re.compile(r"[-a-zA-Z0-9_]+")


@lru_cache(maxsize=64)
def _pattern(name: str, kwargs: tuple[str, ...], script_prefix: str) -> tuple[str, ...] | None:
    """The route's URL cut at its keys (in ``kwargs`` order), or None if no
    stand-in fits the route."""
    for placeholders in _PLACEHOLDER_SETS:
        stand_ins = dict(zip(kwargs, placeholders, strict=False))
        try:
            rest = reverse(name, kwargs=stand_ins)
        except NoReverseMatch:
            continue
        parts = []
        for placeholder in stand_ins.values():
            piece = rest.split(placeholder)
            if len(piece) != 2:
                break
            parts.append(piece[0])
            rest = piece[1]
        else:
            return (*parts, rest)
    return None


def route_url(name: str, **keys: str) -> str:
    """``reverse(name, kwargs=keys)`` at the cost of a string join, for the keys
    of stored records (ones their route accepts)."""
    pattern = None
    if len(keys) <= 2 and all(_PLAIN_KEY.fullmatch(key) for key in keys.values()):
        pattern = _pattern(name, tuple(keys), get_script_prefix())
    if pattern is None:
        return reverse(name, kwargs=keys)
    pieces = [pattern[0]]
    for key, after in zip(keys.values(), pattern[1:], strict=True):
        pieces += (key, after)
    return "".join(pieces)


def record_url(name: str, kwarg: str, key: str) -> str:
    """A record's URL: ``reverse(name, kwargs={kwarg: key})``."""
    return route_url(name, **{kwarg: key})


def relations_url(a: str, b: str) -> str:
    """The relations page of two state codes (a state page links one per partner)."""
    return route_url("relations-detail", a=a, b=b)
