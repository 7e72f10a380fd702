"""List rows and the empty filter form are rendered once per data version:
a page-cache miss on a list reads the page of rows and renders only what it
has not rendered since the last edit, and an edit still shows at once."""

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import set_script_prefix

from diplomacy.caching.settings import caches as cache_settings
from diplomacy.caching.stores import ROWS
from diplomacy.models import Treaty
from diplomacy.models.treaties import TABLE_LINKS
from diplomacy.rows import rendered_rows
from tests.factories import StateFactory, TreatyFactory
from tests.helpers import alliance, populate, second_visit, world

pytestmark = pytest.mark.django_db


def _rows(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/treaties/", 2),  # the data version, the page of rows
        ("/treaties/?party=uz", 2),
        ("/treaties/?page=2", 2),
    ],
)
def test_a_second_visit_to_a_list_reads_only_its_rows_and_shows_the_same_page(
    client, django_assert_max_num_queries, url, queries
):
    w = world()
    alliance(w)
    populate(w, 60)
    second = second_visit(client, url, django_assert_max_num_queries, queries)
    assert _rows(second).count("<tr>") == 25
    assert '<a href="/states/az/">Azerbaijan</a>' in _rows(second)
    assert '<span class="tag">Energy</span>' in _rows(second)


def test_rows_rendered_warm_match_rows_rendered_cold(client):
    w = world()
    populate(w, 30)
    warm_first_page = client.get("/treaties/").content.decode()
    # Page 2 shares no row with page 1; its rows are rendered now, page 1's are read.
    client.get("/treaties/?page=2")
    caches[ROWS].clear()  # as in another process
    assert client.get("/treaties/").content.decode() == warm_first_page


def test_a_row_shows_an_edit_and_a_publication_at_once(client):
    w = world()
    treaty = alliance(w)
    draft = TreatyFactory(title="Secret accord", is_published=False, parties=[w["az"]])
    assert "Treaty on Allied Relations" in client.get("/treaties/").content.decode()

    treaty.title = "Treaty on Allied Relations and Friendship"
    treaty.save()
    w["uz"].name = "Republic of Uzbekistan"
    w["uz"].save()
    html = client.get("/treaties/").content.decode()
    assert "Treaty on Allied Relations and Friendship" in html
    assert "Republic of Uzbekistan</a>" in html
    assert "Secret accord" not in html

    draft.is_published = True
    draft.save()
    assert "Secret accord" in client.get("/treaties/").content.decode()
    w["uz"].is_published = False
    w["uz"].save()
    assert "Uzbekistan</a>" not in _rows(client.get("/treaties/").content.decode())


def test_the_empty_filter_form_lists_a_new_state_at_once_and_a_filled_one_keeps_its_values(
    client,
):
    world()
    assert "Freedonia" not in client.get("/treaties/").content.decode()
    StateFactory(iso2="FD", name="Freedonia")
    assert ">Freedonia</option>" in client.get("/treaties/").content.decode()

    filled = client.get("/treaties/?q=allied&party=az").content.decode()
    assert 'value="allied"' in filled
    assert '<option value="az" selected>Azerbaijan</option>' in filled
    empty = client.get("/treaties/").content.decode()
    assert 'value="allied"' not in empty
    assert '<option value="az">Azerbaijan</option>' in empty


def test_rows_link_under_the_script_prefix_they_were_rendered_for():
    w = world()
    alliance(w)
    records = list(Treaty.objects.published().for_table().with_links(None))
    template = "diplomacy/_treaty_row.html"
    (plain,) = rendered_rows(records, template, TABLE_LINKS, "default")
    set_script_prefix("/register/")
    try:
        (prefixed,) = rendered_rows(records, template, TABLE_LINKS, "default")
    finally:
        set_script_prefix("/")
    assert 'href="/treaties/treaty-on-allied-relations/"' in plain
    assert 'href="/register/treaties/treaty-on-allied-relations/"' in prefixed


def test_a_full_row_store_still_renders_every_row_in_order(client):
    w = world()
    populate(w, 30)
    expected = client.get("/treaties/").content.decode()
    small = cache_settings(None, "test")
    small["process-rows"]["OPTIONS"]["MAX_ENTRIES"] = 7  # culled mid-page, more than once
    with override_settings(CACHES=small):
        assert client.get("/treaties/").content.decode() == expected
        assert client.get("/treaties/").content.decode() == expected


def test_a_csv_download_renders_no_filter_form(client, monkeypatch):
    from diplomacy import fragments

    rendered = []

    def render_to_string(template_name, context):
        rendered.append(template_name)
        return real_render(template_name, context)

    real_render = fragments.render_to_string
    monkeypatch.setattr(fragments, "render_to_string", render_to_string)
    w = world()
    alliance(w)
    response = client.get("/treaties/export.csv")
    assert b"Treaty on Allied Relations" in b"".join(response.streaming_content)
    assert rendered == []
    client.get("/treaties/")
    assert rendered == ["partials/_filters.html"]
