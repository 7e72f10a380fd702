"""The public pages are Jinja2 templates; the admin keeps the Django template language."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.backends.jinja2 import Jinja2
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils.safestring import mark_safe

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


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["", "?year=2024&kind=agreement&q=%3Cb%3E&ordering=-signed_on", "?year=99999&party=zz"],
)
def test_filter_forms_render_as_djangos_default_renderer_would(query):
    """The filter forms' widgets use Django's Jinja2 widget templates for speed;
    the HTML must be what the default (DTL) renderer gives, errors included."""
    from django.forms.renderers import DjangoTemplates as DjangoRenderer
    from django.forms.renderers import Jinja2 as Jinja2Renderer
    from django.http import QueryDict

    from diplomacy.filtersets import ProjectFilterSet, TreatyFilterSet, VisitFilterSet

    world()
    for filterset_class in (TreatyFilterSet, VisitFilterSet, ProjectFilterSet):
        data = QueryDict(query.lstrip("?")) if query else None
        form = filterset_class(data).form
        assert isinstance(form.renderer, Jinja2Renderer)
        fast = [str(field) for field in form]
        form.renderer = DjangoRenderer()
        assert fast == [str(field) for field in form]


@pytest.mark.django_db
def test_filter_selects_stay_fast_after_the_api_schema_built_their_fields(client):
    """drf-spectacular reads each filter's form field from the class's own
    filters; the list pages must still get the fast select widgets after."""
    from diplomacy.filtersets import TreatyFilterSet
    from diplomacy.widgets import FastSelectMultiple

    assert client.get("/api/v1/schema/").status_code == 200
    assert isinstance(TreatyFilterSet.base_filters["kind"].field.widget, FastSelectMultiple)
    assert isinstance(TreatyFilterSet().form.fields["kind"].widget, FastSelectMultiple)


@pytest.mark.django_db
def test_state_choices_are_current_after_the_api_schema_built_the_fields(client):
    from tests.factories import StateFactory

    StateFactory(iso2="AZ", name="Azerbaijan")
    assert client.get("/api/v1/schema/").status_code == 200
    StateFactory(iso2="UZ", name="Uzbekistan")  # added after the schema was built
    html = client.get("/treaties/?party=uz").content.decode()
    assert '<option value="uz" selected>Uzbekistan</option>' in html


@pytest.mark.parametrize("value", [None, "", "<b>Tom & Jerry's</b>", 2024, "0"])
@pytest.mark.parametrize(
    "attrs", [{}, {"maxlength": "200", "required": True, "disabled": False, "aria-x": 'a"b'}]
)
def test_fast_inputs_write_what_djangos_input_template_writes(value, attrs):
    from django import forms
    from django.forms.renderers import Jinja2 as Jinja2Renderer

    from diplomacy.widgets import FastNumberInput, FastTextInput

    widgets = [(FastTextInput, forms.TextInput)]
    if value is None or re.fullmatch(r"-?\d*", str(value)):
        # Text that is no number is no number input's value: tests/test_html_validity.py.
        widgets.append((FastNumberInput, forms.NumberInput))
    for fast, django_widget in widgets:
        expected = django_widget(attrs={"class": "x"}).render(
            "q", value, attrs=dict(attrs, id="id_q"), renderer=Jinja2Renderer()
        )
        assert (
            fast(attrs={"class": "x"}).render("q", value, attrs=dict(attrs, id="id_q")) == expected
        )


def test_fast_selects_read_plain_and_wrapped_choices_alike():
    """A ``PlainChoices`` behind a callable (the state and sector lists) gives
    the same options as the same pairs given as a list, empty choice included."""
    import django_filters

    from diplomacy.widgets import FastSelect, FastSelectMultiple, PlainChoices

    pairs = [("az", "Azerbaijan"), ("uz", "Uzbekistan & <Co>")]
    plain = PlainChoices(pairs)
    for filter_class, widget in (
        (django_filters.ChoiceFilter, FastSelect),
        (django_filters.MultipleChoiceFilter, FastSelectMultiple),
    ):
        via_list = filter_class(choices=pairs, widget=widget).field
        via_plain = filter_class(choices=lambda: plain, widget=widget).field
        for value in (None, ["uz"], "uz"):
            html = via_plain.widget.render("party", value)
            assert html == via_list.widget.render("party", value)
            assert "Uzbekistan &amp; &lt;Co&gt;" in html
        assert ('<option value="uz" selected>' in via_plain.widget.render("party", ["uz"])) is True
    assert '<option value="" selected>---------</option>' in (
        django_filters.ChoiceFilter(choices=lambda: plain, widget=FastSelect).field.widget.render(
            "party", None
        )
    )


@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"id": "id_party", "multiple": True},
        {"z": 'a"b', "a": "Tom & Jerry's <b>", "disabled": False, "hidden": True, "x": None},
        {"aria-describedby": mark_safe("id_q_helptext"), "data-n": 3},
    ],
)
def test_fast_select_attributes_are_what_djangos_flatatt_writes(attrs):
    from django.forms.utils import flatatt

    from diplomacy.widgets import _flatatt

    assert _flatatt(attrs) == flatatt(attrs)


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
