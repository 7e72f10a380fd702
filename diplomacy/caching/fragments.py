"""Rendered HTML of a page's derived parts, kept per data version.

A state's partner list and the body of a relations page grow with the
register (at a million treaties a mid-size state lists 211 partners, a busy
pair 50 records of each type and two centuries of timeline), but they depend
only on the published data: rendered once after an edit, they are then read
like any other derived value, so a page-cache miss (a signed-in editor, a new
data version on another server) costs the same whatever their length.
"""

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from markupsafe import Markup

from diplomacy.caching.stores import HTML, cached


def cached_fragment(key: str, template_name: str, context) -> Markup:
    """``template_name`` rendered with ``context()`` (no request: the HTML must
    be the same for every visitor), kept per data version under ``key``.
    Its links carry the script prefix, so the key does too."""
    html = cached(
        f"html:{get_script_prefix()}:{key}",
        lambda: str(render_to_string(template_name, context())),
        store=HTML,
    )
    return Markup(html)
