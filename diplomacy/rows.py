"""A list page's rows, rendered once per data version.

A row shows one published record and the names of what it links to, so its
HTML changes only when the data does. A page-cache miss on a list (a new
filter combination, a signed-in editor, another server) then reads the
page's keys and renders only the rows this process has not rendered since
the last edit; their links (parties, sectors) are read for those rows only.
This is the collection caching of Rails' ``render collection, cached: true``.
"""

from django.template.loader import get_template
from django.urls import get_script_prefix
from markupsafe import Markup

from diplomacy.cache import LocalValues, data_version
from diplomacy.models.base import attach_links

# Per process, not shared: a row renders in a tenth of a millisecond, less
# than a round trip to Redis for it. About 4 MB of HTML at most per worker.
_local_rows = LocalValues(4096)


def rendered_rows(records: list, template_name: str, links, database: str) -> list[Markup]:
    """Each record rendered with ``template_name`` (as ``record``; no request:
    a row is the same for every visitor), from this process's store when it
    was rendered under the current data version. ``links``: the
    ``PublishedLinks`` the template reads, attached to the records rendered."""
    # Links carry the script prefix, so the key does too.
    prefix = f"row:{data_version()}:{get_script_prefix()}:{template_name}:"
    rows = {record.pk: _local_rows.get(f"{prefix}{record.pk}") for record in records}
    missing = [record for record in records if rows[record.pk] is None]
    if missing:
        attach_links(links, missing, database)
        template = get_template(template_name)
        for record in missing:
            html = Markup(template.render({"record": record}))
            rows[record.pk] = html
            _local_rows.keep(f"{prefix}{record.pk}", html)
    return [rows[record.pk] for record in records]
