"""List pages on a page-cache miss: the page of rows and their links, the
empty filter form rendered once per data version, and an edit shown at once."""

import re

import pytest

from diplomacy.caching import clear_all
from tests.factories import StateFactory, TreatyFactory
from tests.helpers import alliance, populate, second_visit, world

pytestmark = pytest.mark.django_db


def _rows(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/treaties/", 3),  # the data version, the page of rows, their parties and sectors
        ("/treaties/?party=uz", 3),
        ("/treaties/?page=2", 3),
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


def test_a_list_rendered_warm_matches_the_list_rendered_cold(client):
    w = world()
    populate(w, 30)
    warm_first_page = client.get("/treaties/").content.decode()
    client.get("/treaties/?page=2")
    clear_all()  # as in another process
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
    assert '<option value="Freedonia">FD</option>' in client.get("/treaties/").content.decode()

    filled = client.get("/treaties/?q=allied&party=az").content.decode()
    assert 'value="allied"' in filled
    assert re.search(r'<input[^>]*name="party"[^>]*value="Azerbaijan"', filled)
    empty = client.get("/treaties/").content.decode()
    assert 'value="allied"' not in empty
    assert '<option value="Azerbaijan">AZ</option>' in empty
    assert not re.search(r'<input[^>]*name="party"[^>]*value="[^"]', empty)


def test_a_csv_download_renders_no_filter_form(client, monkeypatch):
    from diplomacy.caching import fragments

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
