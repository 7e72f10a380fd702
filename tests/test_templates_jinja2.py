"""The public pages are Jinja2 templates; the admin keeps the Django template language."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.backends.jinja2 import Jinja2
from django.template.loader import get_template
from django.test import RequestFactory

from diplomacy.jinja2_env import querystring
from tests.factories import StateFactory, TreatyFactory
from tests.helpers import populate, world

PUBLIC = [
    "base.html",
    "404.html",
    "500.html",
    "diplomacy/home.html",
    "diplomacy/search.html",
    "diplomacy/treaty_list.html",
    "diplomacy/visit_list.html",
    "diplomacy/project_list.html",
    "diplomacy/state_list.html",
    "diplomacy/treaty_detail.html",
    "diplomacy/visit_detail.html",
    "diplomacy/project_detail.html",
    "diplomacy/person_detail.html",
    "diplomacy/organization_detail.html",
    "diplomacy/source_detail.html",
    "diplomacy/state_detail.html",
    "diplomacy/relations_detail.html",
    "partials/_pagination.html",
]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_templates_are_rendered_by_jinja2(name):
    assert isinstance(get_template(name).backend, Jinja2)


def test_admin_templates_stay_in_dtl():
    assert isinstance(get_template("admin/index.html").backend, DjangoTemplates)
    assert isinstance(get_template("admin/diplomacy/import.html").backend, DjangoTemplates)


def test_error_pages(client, db, django_assert_num_queries):
    # 500.html needs neither a request nor the database.
    with django_assert_num_queries(0):
        html = get_template("500.html").render()
    assert "<h1>Something went wrong</h1>" in html
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.content.decode()


TITLE = "<script>alert(1)</script> & Co"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"


def test_user_text_is_escaped_on_the_record_page_and_in_the_list(client, db):
    w = world()
    treaty = TreatyFactory(title=TITLE, parties=[w["az"], w["uz"]])
    for url in (treaty.get_absolute_url(), "/treaties/", "/states/uz/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert ESCAPED in html, url
    page = client.get(treaty.get_absolute_url()).content.decode()
    assert f"<h1>{ESCAPED}</h1>" in page
    assert f"<title>{ESCAPED} · Diplomacy Register</title>" in page
    listing = client.get("/treaties/").content.decode()
    assert f'<a href="{treaty.get_absolute_url()}">{ESCAPED}</a>' in listing


def test_a_summary_of_two_paragraphs_is_two_escaped_paragraphs(client, db):
    w = world()
    treaty = TreatyFactory(
        summary="First <b>bold</b> & more.\n\nSecond line\nand third.",
        parties=[w["az"], w["uz"]],
    )
    html = client.get(treaty.get_absolute_url()).content.decode()
    section = re.search(r'<h2 id="summary-heading">Summary</h2>(.*?)</section>', html, re.S)
    assert section.group(1) == (
        "<p>First &lt;b&gt;bold&lt;/b&gt; &amp; more.</p>\n\n<p>Second line<br>and third.</p>"
    )


@pytest.mark.parametrize(
    ("url", "dtl", "kwargs"),
    [
        ("/treaties/?kind=agreement&party=az&party=uz&page=2", "page=3", {"page": 3}),
        ("/treaties/?kind=agreement&party=az&page=2", "page=None", {"page": None}),
        ("/treaties/?cursor=abc&page=2", "cursor=None page=None", {"cursor": None, "page": None}),
        ("/treaties/?q=a+b%26c&page=2", "page=1", {"page": 1}),
        ("/treaties/", "page=None", {"page": None}),
        ("/treaties/", "page=1", {"page": 1}),
        ("/treaties/?page=4", "page=None", {"page": None}),
    ],
)
def test_querystring_is_djangos_tag(url, dtl, kwargs):
    request = RequestFactory().get(url)
    expected = engines["django"].from_string(f"{{% querystring {dtl} %}}").render({}, request)
    assert querystring(request, **kwargs) == expected.replace("&amp;", "&")
    # And through a template, escaped as the tag's output was.
    jinja = engines["jinja2"].from_string("{{ querystring(request, **kwargs) }}")
    assert jinja.render({"kwargs": kwargs}, request) == expected


def test_pagination_keeps_the_filters_and_replaces_the_page(client, db):
    populate(world(), 30)  # 30 treaties with Azerbaijan as a party: two pages
    html = client.get("/treaties/?party=az&page=2").content.decode()
    assert '<li><a href="?party=az&amp;page=1">« First</a></li>' in html
    assert '<li><a rel="prev" href="?party=az&amp;page=1">' in html
    assert '<span aria-current="page">Page 2 of 2</span>' in html
    assert 'href="/treaties/export.csv?party=az" download>Download CSV</a>' in html
    first = client.get("/treaties/?party=az").content.decode()
    assert '<li><a rel="next" href="?party=az&amp;page=2">' in first


def test_a_cursor_page_renders_without_a_page_number(client, db):
    populate(world(), 30)
    cursor = parse_qs(urlparse(client.get("/api/v1/treaties/?page_size=5").json()["next"]).query)
    response = client.get("/treaties/", {"cursor": cursor["cursor"][0]})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<caption class="visually-hidden">Treaties, page </caption>' in html
    assert '<li><a href="?">« First page</a></li>' in html


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("Treaty", "kind"),
        ("Treaty", "status"),
        ("Visit", "kind"),
        ("Visit", "level"),
        ("Project", "kind"),
        ("Project", "status"),
        ("Organization", "kind"),
        ("TreatyRelation", "kind"),
    ],
)
def test_display_filter_gives_djangos_label_for_every_choice(model, field):
    from django.apps import apps

    from diplomacy.jinja2_env import display

    record = apps.get_model("diplomacy", model)()
    for value, _ in record._meta.get_field(field).choices:
        setattr(record, field, value)
        assert display(record, field) == getattr(record, f"get_{field}_display")()
    setattr(record, field, "not-a-choice")  # as Django does: the raw value
    assert display(record, field) == "not-a-choice"


def _control(html: str, name: str) -> str:
    """The filter form's control named ``name``: its <input> tag or whole <select>."""
    html = html.split('<form class="filters"', 1)[1].split("</form>", 1)[0]
    found = re.search(
        rf'<input[^>]* name="{name}"[^>]*>|<select name="{name}".*?</select>', html, re.S
    )
    return found.group(0)


@pytest.mark.django_db
def test_a_filtered_list_shows_the_filters_as_given_escaped(client):
    world()
    html = client.get(
        "/treaties/?q=%3Cb%3E%22x&year=2024&kind=agreement&kind=alliance&party=uz"
        "&ordering=-signed_on"
    ).content.decode()
    assert 'value="&lt;b&gt;&#34;x"' in _control(html, "q")
    assert 'value="2024"' in _control(html, "year")
    kinds = re.findall(r'<input type="checkbox" name="kind" value="([^"]+)"[^>]*checked', html)
    assert kinds == ["alliance", "agreement"]
    # A state input shows the chosen state by name; the datalist suggests the others.
    assert 'value="Uzbekistan"' in _control(html, "party")
    assert '<option value="Azerbaijan">AZ</option>' in html
    assert '<option value="-signed_on" selected>' in _control(html, "ordering")
    assert "<option" not in _control(html, "year_min") and "value=" not in _control(
        html, "year_min"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ("year=abc", "year", "Enter a whole number."),
        ("year_min=MMXX", "year_min", "Enter a whole number."),
        ("value_min=12abc", "value_min", "Enter a number."),
    ],
)
def test_a_number_filter_given_text_shows_an_empty_box_and_says_why(client, query, name, message):
    """Typed text that is no number is no number input's value (invalid HTML):
    the box is empty and the error names what was wrong."""
    world()
    path = "/projects/" if name.startswith("value") else "/treaties/"
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    control = _control(html, name)
    assert control.startswith('<input type="number"') and "value=" not in control
    assert f'aria-describedby="id_{name}_error"' in control
    assert message in html


@pytest.mark.django_db
def test_state_choices_are_current_after_the_api_schema_built_the_fields(client):
    from tests.factories import StateFactory

    StateFactory(iso2="AZ", name="Azerbaijan")
    assert client.get("/api/v1/schema/").status_code == 200
    StateFactory(iso2="UZ", name="Uzbekistan")  # added after the schema was built
    html = client.get("/treaties/?party=uz").content.decode()
    assert 'value="Uzbekistan"' in _control(html, "party")
    assert '<option value="Uzbekistan">UZ</option>' in html


@pytest.mark.django_db
def test_a_list_row_links_each_party_by_name_escaped(client):
    state = StateFactory(iso2="TT", name="Trinidad & <Tobago>")
    other = StateFactory(iso2="UZ", name="Uzbekistan")
    TreatyFactory(slug="t-tt-uz", parties=[state, other])
    TreatyFactory(slug="t-none", parties=[])
    html = client.get("/treaties/").content.decode()
    assert (
        '<td><a href="/states/tt/">Trinidad &amp; &lt;Tobago&gt;</a>, '
        '<a href="/states/uz/">Uzbekistan</a></td>'
    ) in html
    assert "<td>—</td>" in html.split('href="/treaties/t-none/"')[1]
