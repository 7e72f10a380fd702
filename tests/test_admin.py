"""The admin for editors and publishers: pages render within a fixed query budget, rights hold."""

import re
from html.parser import HTMLParser

import pytest

from diplomacy.models import Treaty, TreatyCitation
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    ProjectFactory,
    SectorFactory,
    SourceFactory,
    StateFactory,
    TreatyFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

# Queries an admin page makes whatever its rows: session, user, permissions
# (user and group), the page's rows and their prefetches, list filters' choices,
# the paginator's count. Pinned high enough for the widest page (treaties, with
# party, sector and year filters), and proved not to grow with rows below.
CHANGELIST_BUDGET = 16
CHANGE_FORM_BUDGET = 26  # a treaty: + its commitments inline and the kinds to choose from


def make_rows(model, n):
    states = [StateFactory() for _ in range(3)]
    sector = SectorFactory()
    for _ in range(n):
        if model == "treaty":
            treaty = TreatyFactory(parties=states[:2])
            treaty.sectors.add(sector)
            TreatyCitation.objects.create(record=treaty, source=SourceFactory(), quote="q")
        elif model == "visit":
            VisitFactory(host=states[0], guest=states[1])
        elif model == "project":
            ProjectFactory().states.set(states[:2])
        elif model == "state":
            StateFactory()
        elif model == "person":
            PersonFactory(state=states[0])
        elif model == "organization":
            OrganizationFactory(state=states[1])
        elif model == "sector":
            SectorFactory()
        elif model == "source":
            SourceFactory()


MODELS = ["treaty", "visit", "project", "state", "person", "organization", "sector", "source"]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rows", [5, 30])
def test_changelist_and_forms_render_for_an_editor_within_budget(
    editor_client, django_assert_max_num_queries, model, rows
):
    make_rows(model, rows)
    with django_assert_max_num_queries(CHANGELIST_BUDGET):
        response = editor_client.get(f"/admin/diplomacy/{model}/")
    assert response.status_code == 200
    assert response.context["cl"].result_count >= rows
    record = response.context["cl"].result_list[0]
    with django_assert_max_num_queries(CHANGE_FORM_BUDGET):
        assert editor_client.get(f"/admin/diplomacy/{model}/{record.pk}/change/").status_code == 200
    assert editor_client.get(f"/admin/diplomacy/{model}/add/").status_code == 200
    assert editor_client.get(f"/admin/diplomacy/{model}/{record.pk}/history/").status_code == 200


def test_editor_cannot_publish_or_delete(editor_client):
    treaty = TreatyFactory(is_published=False)
    page = editor_client.get(f"/admin/diplomacy/treaty/{treaty.pk}/change/").content.decode()
    assert 'name="is_published"' not in page
    assert "Save and publish" not in page
    editor_client.post(
        "/admin/diplomacy/treaty/",
        {"action": "publish", "_selected_action": [treaty.pk]},
    )
    treaty.refresh_from_db()
    assert not treaty.is_published
    assert editor_client.get(f"/admin/diplomacy/treaty/{treaty.pk}/delete/").status_code == 403
    assert Treaty.objects.filter(pk=treaty.pk).exists()


def test_publisher_publishes_unpublishes_and_deletes(publisher_client):
    treaty = TreatyFactory(is_published=False)
    assert (
        "Save and publish"
        in publisher_client.get(f"/admin/diplomacy/treaty/{treaty.pk}/change/").content.decode()
    )
    publisher_client.post(
        "/admin/diplomacy/treaty/", {"action": "publish", "_selected_action": [treaty.pk]}
    )
    treaty.refresh_from_db()
    assert treaty.is_published
    publisher_client.post(
        "/admin/diplomacy/treaty/", {"action": "unpublish", "_selected_action": [treaty.pk]}
    )
    treaty.refresh_from_db()
    assert not treaty.is_published
    publisher_client.post(f"/admin/diplomacy/treaty/{treaty.pk}/delete/", {"post": "yes"})
    assert not Treaty.objects.filter(pk=treaty.pk).exists()


def add_form_data(client, **fields):
    """The add form's own initial data (management forms included), with changes."""
    html = client.get("/admin/diplomacy/treaty/add/").content.decode()
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        data[name] = value
    data.update(
        {
            "title": "Agreement on test cooperation",
            "slug": "agreement-on-test-cooperation",
            "kind": "agreement",
            "status": "signed",
            "signed_on_precision": "day",
            "entry_into_force_on_precision": "day",
            "ended_on_precision": "day",
            "signed_on": "2024-08-23",
        }
    )
    data.update(fields)
    return data


def test_editor_adds_a_draft_treaty_with_parties_and_a_citation(editor_client, editor):
    az, uz = StateFactory(iso2="AZ", iso3="AZE"), StateFactory(iso2="UZ", iso3="UZB")
    source = SourceFactory()
    data = add_form_data(
        editor_client,
        **{
            "treatyparty_set-TOTAL_FORMS": "2",
            "treatyparty_set-0-state": az.pk,
            "treatyparty_set-0-ratified_on_precision": "day",
            "treatyparty_set-1-state": uz.pk,
            "treatyparty_set-1-ratified_on_precision": "day",
            "citations-TOTAL_FORMS": "1",
            "citations-0-source": source.pk,
            "citations-0-quote": "The parties signed the treaty.",
        },
    )
    response = editor_client.post("/admin/diplomacy/treaty/add/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    treaty = Treaty.objects.get(slug="agreement-on-test-cooperation")
    assert not treaty.is_published
    assert sorted(treaty.parties.values_list("iso2", flat=True)) == ["AZ", "UZ"]
    assert treaty.citations.get().quote == "The parties signed the treaty."
    assert treaty.history.first().history_user == editor


def test_an_alliance_with_one_party_is_refused_and_nothing_is_written(editor_client):
    az = StateFactory(iso2="AZ", iso3="AZE")
    data = add_form_data(
        editor_client,
        kind="alliance",
        **{
            "treatyparty_set-TOTAL_FORMS": "1",
            "treatyparty_set-0-state": az.pk,
            "treatyparty_set-0-ratified_on_precision": "day",
        },
    )
    response = editor_client.post("/admin/diplomacy/treaty/add/", data)
    assert response.status_code == 200
    assert "An alliance document needs at least two parties" in response.content.decode()
    assert not Treaty.objects.exists()


class _FormControls(HTMLParser):
    """The name/value pairs a browser submits from one form of a page."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self.select: dict | None = None
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.pairs.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attrs, "first": None, "any": 0}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.pairs.append((self.select["name"], value))
                self.select["any"] += 1
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = self.select
            if not chosen["any"] and not chosen["multiple"] and chosen["first"] is not None:
                self.pairs.append((chosen["name"], chosen["first"]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # Browsers drop the newline that starts a textarea's content.
            self.pairs.append((self.textarea, "".join(self.text).removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)


def form_fields(response, form_id: str) -> dict:
    """What pressing a submit button of the page's form ``form_id`` would send, as the
    test client takes it (a list for a name sent more than once)."""
    parser = _FormControls(form_id)
    parser.feed(response.content.decode())
    data: dict = {}
    for name, value in parser.pairs:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data


@pytest.mark.parametrize("rows", [("new",), ("stored", "new")])
def test_two_identifiers_of_one_register_on_a_treaty_are_a_form_error(editor_client, rows):
    """Wikidata gives a treaty one item: a second Wikidata identifier, added
    beside a stored one or two at once, is refused on the form (not a 500)."""
    from diplomacy.models import TreatyIdentifier

    treaty = TreatyFactory(parties=[StateFactory(), StateFactory()])
    if "stored" in rows:
        TreatyIdentifier.objects.create(treaty=treaty, scheme="wikidata", value="Q1")
    url = f"/admin/diplomacy/treaty/{treaty.pk}/change/"
    data = form_fields(editor_client.get(url), "treaty_form")
    stored = int(data["identifiers-TOTAL_FORMS"])
    added = 2 if rows == ("new",) else 1
    for n in range(stored, stored + added):
        data[f"identifiers-{n}-scheme"] = "wikidata"
        data[f"identifiers-{n}-value"] = f"Q{n + 10}"
    data["identifiers-TOTAL_FORMS"] = str(stored + added)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "one identifier in each register" in response.content.decode()
    assert TreatyIdentifier.objects.filter(treaty=treaty).count() == len(rows) - 1


def test_a_state_named_as_its_own_successor_is_a_form_error(admin_client):
    state = StateFactory(code="tj", iso2="TJ")
    url = f"/admin/diplomacy/state/{state.pk}/change/"
    data = form_fields(admin_client.get(url), "state_form")
    # The successors inline: rows whose predecessor is this state.
    data["successions-TOTAL_FORMS"] = "1"
    data["successions-0-successor"] = str(state.pk)
    data["successions-0-kind"] = "continuation"
    data["successions-0-on_precision"] = "day"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "cannot succeed itself" in response.content.decode()
