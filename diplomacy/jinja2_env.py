"""The Jinja2 environment of the public pages (the admin keeps the Django template language).

Filters are Django's own implementations, so a page renders exactly as it did
in DTL; the ones that escape take the template's autoescape setting, as
Django's ``needs_autoescape`` filters do.
"""

import datetime
import json
from collections.abc import Iterable
from functools import cache, lru_cache

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.serializers.json import DjangoJSONEncoder
from django.template import defaultfilters
from django.templatetags.static import static as django_static
from django.urls import get_script_prefix, reverse
from django.utils.timezone import template_localtime
from jinja2 import Environment, Undefined, pass_eval_context
from markupsafe import Markup

from diplomacy.urlpaths import relations_url


def url(viewname, *args, **kwargs):
    """``{% url 'name' a b %}`` as ``url('name', a, b)``.

    Kept per script prefix: every page links the same dozen views, and each
    ``reverse()`` walks the URL patterns."""
    return _reverse(get_script_prefix(), viewname, args, tuple(kwargs.items()))


@lru_cache(maxsize=1024)
def _reverse(script_prefix: str, viewname: str, args: tuple, kwargs: tuple) -> str:
    return reverse(viewname, args=args, kwargs=dict(kwargs))


@lru_cache(maxsize=256)
def static(path: str) -> str:
    """``{% static %}``: the stored file's (hashed) URL, looked up once per path."""
    return django_static(path)


def querystring(request, query_dict=None, **kwargs):
    """Django's ``{% querystring %}`` tag: ``querystring(request, page=1)``.

    The current GET parameters (or ``query_dict``) with the given keys set; a
    value of None removes the key, a list sets every value. Returns "?..." or
    "" when there are no parameters at all, as the tag does.
    """
    if query_dict is None:
        query_dict = request.GET
    params = query_dict.copy()
    for key, value in kwargs.items():
        if value is None:
            if key in params:
                del params[key]
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params.setlist(key, value)
        else:
            params[key] = value
    if not params and not query_dict:
        return ""
    return f"?{params.urlencode()}"


def date(value, arg=None):
    """Django's ``date`` filter, on the value in the current time zone as DTL passes it."""
    if isinstance(value, Undefined):
        return ""
    return defaultfilters.date(template_localtime(value), arg)


def datetime_attr(value) -> str:
    """A ``<time datetime>`` value: ISO 8601 in the current time zone, to the
    second. HTML allows at most three digits of a second's fraction, and
    Python's ``isoformat`` (and so the ``date('c')`` filter) writes six."""
    if isinstance(value, Undefined) or value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return template_localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


@pass_eval_context
def linebreaks(eval_ctx, value):
    return defaultfilters.linebreaks_filter(value, autoescape=eval_ctx.autoescape)


@pass_eval_context
def linebreaksbr(eval_ctx, value):
    return defaultfilters.linebreaksbr(value, autoescape=eval_ctx.autoescape)


@pass_eval_context
def join(eval_ctx, value, arg):
    return defaultfilters.join(value, arg, autoescape=eval_ctx.autoescape)


@cache
def _labels(model, field_name: str) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def display(record, field_name: str):
    """``record.get_<field>_display()``, from a label table built once per field
    (Django rebuilds it from the field's choices on every call; a list page
    makes a hundred of them)."""
    value = getattr(record, field_name)
    return _labels(type(record), field_name).get(value, value)


def links(records, empty: str = "—") -> Markup:
    """Each record's ``link`` (escaped HTML), comma-separated; ``empty`` if none.
    A list page joins a hundred party links: Jinja's ``map`` and Django's
    ``join`` cost more than the rest of a row."""
    return Markup(", ").join(record.link for record in records) if records else Markup(empty)


# The characters json_script escapes, so a value can't close the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def jsonld(data) -> Markup:
    """A JSON-LD block; data only, so no Content Security Policy exception is needed."""
    if not data:
        return Markup("")
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    return Markup('<script type="application/ld+json">{}</script>').format(Markup(text))


def field_errors(filterset):
    """Form errors as (label, messages) pairs for the error summary."""
    form = filterset.form
    return [
        (form.fields[name].label if name in form.fields else name, errors)
        for name, errors in form.errors.items()
    ]


FILTERS = {
    "add": defaultfilters.add,
    "capfirst": defaultfilters.capfirst,
    "date": date,
    "datetime_attr": datetime_attr,
    "default": defaultfilters.default,
    "display": display,
    "divisibleby": defaultfilters.divisibleby,
    "floatformat": defaultfilters.floatformat,
    "intcomma": intcomma,
    "join": join,
    "length": defaultfilters.length,
    "linebreaks": linebreaks,
    "linebreaksbr": linebreaksbr,
    "links": links,
    "lower": defaultfilters.lower,
    "pluralize": defaultfilters.pluralize,
    "truncatewords": defaultfilters.truncatewords,
    "field_errors": field_errors,
    "jsonld": jsonld,
}

GLOBALS = {
    "querystring": querystring,
    "relations_url": relations_url,
    "static": static,
    "url": url,
}


def environment(**options):
    # Silent, as DTL is, in DEBUG too (the backend would pick DebugUndefined);
    # a template's final newline is kept, as DTL keeps it.
    options["undefined"] = Undefined
    options.setdefault("keep_trailing_newline", True)
    env = Environment(**options)
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env
