"""States through history (SPEC 3.9): codes by period, historic states' pages,
the state list, and the reference data loaded by ``make setup``."""

import datetime

import pytest
from django.core.management import call_command

from diplomacy.importing import import_file
from diplomacy.models import (
    CodeScheme,
    State,
    StateCode,
    StatePeriod,
    StateSuccession,
    Treaty,
    TreatyParty,
)
from tests.factories import StateFactory, TreatyFactory

pytestmark = pytest.mark.django_db


def state(code, name, periods, **fields):
    record = State.objects.create(
        code=code, name=name, slug=name.lower().replace(" ", "-"), is_published=True, **fields
    )
    for start, end in periods:
        StatePeriod.objects.create(state=record, started_on=start, ended_on=end)
    return record


def held(record, scheme, code, valid_from=None, valid_to=None):
    StateCode.objects.create(
        state=record, scheme=scheme, code=code, valid_from=valid_from, valid_to=valid_to
    )


D = datetime.date


@pytest.fixture
def history():
    """COW 365 (the Soviet Union, then Russia), 255 and 260 (Germany, the
    Federal Republic), 300 (Austria-Hungary), as the reference data loads them."""
    ru = state(
        "ru",
        "Russia",
        [(D(1816, 1, 1), D(1922, 12, 29)), (D(1991, 12, 26), None)],
        iso2="RU",
        iso3="RUS",
    )
    su = state("su", "Soviet Union", [(D(1922, 12, 30), D(1991, 12, 25))])
    de = state(
        "de",
        "Germany",
        [(D(1816, 1, 1), D(1945, 5, 8)), (D(1990, 10, 3), None)],
        iso2="DE",
        iso3="DEU",
    )
    gfr = state("gfr", "German Federal Republic", [(D(1949, 5, 23), D(1990, 10, 2))])
    auh = state("auh", "Austria-Hungary", [(D(1816, 1, 1), D(1918, 11, 12))])
    uz = state("uz", "Uzbekistan", [(D(1991, 12, 26), None)], iso2="UZ", iso3="UZB")
    held(ru, CodeScheme.COW_NUMBER, "365", D(1816, 1, 1), D(1922, 12, 29))
    held(su, CodeScheme.COW_NUMBER, "365", D(1922, 12, 30), D(1991, 12, 25))
    held(ru, CodeScheme.COW_NUMBER, "365", D(1991, 12, 26))
    held(su, CodeScheme.ISO_ALPHA2, "SU", None, D(1992, 8, 30))
    held(de, CodeScheme.COW_NUMBER, "255", D(1816, 1, 1))
    held(gfr, CodeScheme.COW_NUMBER, "260", D(1949, 5, 23), D(1990, 10, 2))
    held(auh, CodeScheme.COW_NUMBER, "300", D(1816, 1, 1), D(1918, 11, 12))
    held(uz, CodeScheme.COW_NUMBER, "704", D(1991, 12, 26))
    StateSuccession.objects.create(
        predecessor=su, successor=ru, kind="continuation", on=D(1991, 12, 26)
    )
    StateSuccession.objects.create(
        predecessor=su, successor=uz, kind="dissolution", on=D(1991, 12, 26)
    )
    return {s.code: s for s in (ru, su, de, gfr, auh, uz)}


def import_treaty(tmp_path, parties, signed_on):
    path = tmp_path / "rows.csv"
    path.write_text(f"title,kind,signed_on,parties\nA treaty,treaty,{signed_on},{parties}\n")
    return import_file(path, "treaty")


def parties_of_imported():
    treaty = Treaty.objects.get()
    return sorted(TreatyParty.objects.filter(treaty=treaty).values_list("state__code", flat=True))


@pytest.mark.parametrize(
    ("parties", "signed_on", "expected"),
    [
        ("365;260", "1980-05-01", ["gfr", "su"]),
        ("365;704", "2000", ["ru", "uz"]),
        ("365;704", "", ["ru", "uz"]),  # undated: the state that holds 365 today
    ],
)
def test_a_cow_number_names_the_state_that_held_it_on_the_records_date(
    tmp_path, history, parties, signed_on, expected
):
    report = import_treaty(tmp_path, parties, signed_on)
    assert report.ok, report.errors
    assert parties_of_imported() == expected


def test_260_in_1950_is_the_german_federal_republic(tmp_path, history):
    report = import_treaty(tmp_path, "260;255", "1950")
    assert not report.ok
    # 255 was nobody's in 1950: Germany did not exist, and nothing is mapped silently.
    assert "COW 255 is Germany, which was not a state then" in report.errors[0].message
    report = import_treaty(tmp_path, "260;365", "1950")
    assert report.ok, report.errors
    assert parties_of_imported() == ["gfr", "su"]


def test_a_code_out_of_its_period_is_an_error_that_names_the_state(tmp_path, history):
    report = import_treaty(tmp_path, "300;365", "1950")
    assert not report.ok and Treaty.objects.count() == 0
    (error,) = report.errors
    assert error.field == "parties"
    assert error.message == (
        "COW 300 is Austria-Hungary, which ended in 1918; this record is dated 1950."
    )


def test_codes_are_case_insensitive_in_filters_and_imports(client, tmp_path, history):
    treaty = TreatyFactory()
    treaty.parties.set([history["uz"], history["ru"]])
    for value in ("UZ", "uz", "Uz"):
        response = client.get("/treaties/", {"party": value})
        assert response.status_code == 200, value
        assert treaty.title in response.content.decode()
    assert client.get("/api/v1/treaties/", {"party": "UZ"}).status_code == 200
    assert client.get("/api/v1/treaties/", {"party": "SU"}).status_code == 200
    report = import_treaty(tmp_path, "su;gfr", "1980")
    assert report.ok, report.errors


def test_party_in_capitals_is_not_a_400(client):
    StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan")
    assert client.get("/treaties/", {"party": "AZ"}).status_code == 200
    assert client.get("/api/v1/treaties/", {"party": "AZ"}).status_code == 200


def test_a_former_state_has_a_page_with_its_periods_and_successors(client, history):
    response = client.get("/states/su/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Soviet Union" in page and "Former state" in page
    assert "30 December 1922" in page and "25 December 1991" in page
    assert 'href="/states/ru/"' in page and "continuation" in page
    assert 'href="/states/uz/"' in page and "dissolution" in page
    assert client.get("/states/SU/").status_code == 200
    assert client.get("/states/auh/").status_code == 200
    # Russia's page names its predecessor.
    assert 'href="/states/su/"' in client.get("/states/ru/").content.decode()


def test_the_state_list_shows_current_states_unless_asked(client, history):
    page = client.get("/states/").content.decode()
    assert 'href="/states/ru/"' in page and 'href="/states/uz/"' in page
    assert 'href="/states/su/"' not in page and 'href="/states/auh/"' not in page
    former = client.get("/states/", {"historic": "1"}).content.decode()
    assert 'href="/states/su/"' in former and 'href="/states/auh/"' in former
    assert 'href="/states/uz/"' not in former
    everything = client.get("/states/", {"historic": "all"}).content.decode()
    assert 'href="/states/su/"' in everything and 'href="/states/uz/"' in everything


def test_the_api_gives_periods_codes_and_successions(client, history):
    response = client.get("/api/v1/states/su/")
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "su" and data["iso2"] is None
    assert data["periods"] == [
        {"from": "1922-12-30", "from_precision": "day", "to": "1991-12-25", "to_precision": "day"}
    ]
    assert {
        "scheme": "cow",
        "code": "365",
        "valid_from": "1922-12-30",
        "valid_to": "1991-12-25",
    } in data["codes"]
    assert {
        "state": "ru",
        "kind": "continuation",
        "on": "1991-12-26",
        "on_precision": "day",
    } in data["successors"]
    ru = client.get("/api/v1/states/RU/").json()
    assert ru["iso2"] == "RU" and ru["code"] == "ru"
    assert {"state": "su", "kind": "continuation", "on": "1991-12-26", "on_precision": "day"} in ru[
        "predecessors"
    ]


def test_loading_the_reference_data_twice_changes_nothing_and_keeps_curated_names():
    call_command("load_countries", verbosity=0)
    call_command("load_historic_states", verbosity=0)
    counts = (
        State.objects.count(),
        StateCode.objects.count(),
        StatePeriod.objects.count(),
        StateSuccession.objects.count(),
    )
    su = State.objects.get(code="su")
    su.name = "USSR (curated)"
    su.save()
    call_command("load_historic_states", verbosity=0)
    assert (
        State.objects.count(),
        StateCode.objects.count(),
        StatePeriod.objects.count(),
        StateSuccession.objects.count(),
    ) == counts
    assert State.objects.get(code="su").name == "USSR (curated)"

    # Every COW state since 1816 exists, with its number.
    for number, code in [(300, "auh"), (260, "gfr"), (265, "dd"), (315, "cs"), (245, "bav")]:
        assert State.objects.get(code=code).cow_code == number
    # COW's members at the end of 2016 are the 193 UN members, Kosovo and
    # Taiwan: every current state with an ISO code among them has its number.
    current_cow = State.objects.current().filter(cow_code__isnull=False)
    assert current_cow.filter(iso2__isnull=False).count() == 194
    assert State.objects.get(iso2="GB").cow_code == 200
    assert State.objects.get(iso2="UZ").cow_code == 704
    assert State.objects.get(iso2="RU").cow_code == 365
    assert State.objects.get(code="su").cow_code == 365


def test_a_state_in_the_cow_system_from_its_start_in_1816_has_no_made_up_founding_date(
    client, publisher
):
    """COW's list begins on 1 January 1816: a state member from then existed
    before (the United States since 1776), so its existence has no known
    start, the page does not give 1816 as one, and a treaty of 1783 may name
    it; a state that joined the system later keeps its date."""
    from rest_framework.authtoken.models import Token

    call_command("load_countries", verbosity=0)
    call_command("load_historic_states", verbosity=0)
    page = client.get("/states/us/").content.decode()
    existence = page.split('id="periods-heading"', 1)[1].split("</section>", 1)[0]
    assert "1816" not in existence.split("<span", 1)[0]
    assert "before 1816" in existence
    assert StatePeriod.objects.get(state__code="gfr").started_on == D(1949, 5, 23)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=publisher).key}"
    treaty = {
        "slug": "treaty-of-paris", "title": "Treaty of Paris", "kind": "treaty",
        "signed_on": "1783-09-03", "parties": [{"state": "us"}, {"state": "gb"}],
    }  # fmt: skip
    response = client.post("/api/v1/treaties/", treaty, content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_admin_edits_periods_codes_and_successions_on_the_state(admin_client, history):
    page = admin_client.get(f"/admin/diplomacy/state/{history['su'].pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for prefix in ("periods", "codes", "predecessions", "successions"):
        assert f'name="{prefix}-TOTAL_FORMS"' in html, prefix
    assert "1922-12-30" in html and "365" in html


def test_an_api_write_naming_a_state_out_of_its_period_is_a_400_that_says_when_it_existed(
    client, publisher, history
):
    """An API write names a state by its public code; the record's date must
    fall in one of the state's periods, as an import row's must."""
    from rest_framework.authtoken.models import Token

    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=publisher).key}"
    treaty = {
        "slug": "late-union", "title": "A treaty of 2000", "kind": "agreement",
        "signed_on": "2000-05-01", "parties": [{"state": "su"}, {"state": "de"}],
    }  # fmt: skip
    response = client.post("/api/v1/treaties/", treaty, content_type="application/json")
    assert response.status_code == 400, response.content
    message = str(response.json()["parties"])
    assert "Soviet Union" in message and "this record is dated 2000-05-01" in message
    visit = {
        "slug": "bonn-1950", "title": "A visit", "kind": "official", "level": "minister",
        "host": "de", "guest": "ru", "start_on": "1950-03-01",
    }  # fmt: skip
    response = client.post("/api/v1/visits/", visit, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "Germany" in str(response.json()["host"])
    treaty["signed_on"], treaty["slug"] = "1980-05-01", "union-1980"
    treaty["parties"] = [{"state": "su"}, {"state": "gfr"}]
    response = client.post("/api/v1/treaties/", treaty, content_type="application/json")
    assert response.status_code == 201, response.content
    # A new date alone is checked against the parties the treaty already has.
    for signed_on in ("2000-05-01", "2000"):
        response = client.patch(
            "/api/v1/treaties/union-1980/",
            {"signed_on": signed_on},
            content_type="application/json",
        )
        assert response.status_code == 400, response.content
        assert "Soviet Union" in str(response.json()["parties"])
    response = client.patch(
        "/api/v1/treaties/union-1980/", {"signed_on": "1985-01-01"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content


def test_a_state_written_without_any_code_is_a_400_that_says_what_to_give(client, publisher):
    """Found by schemathesis: the public code's database constraint answered instead."""
    from rest_framework.authtoken.models import Token

    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=publisher).key}"
    response = client.post(
        "/api/v1/states/",
        {"name": "Somewhere", "slug": "somewhere"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Give the state's public code" in response.json()["code"][0]
    response = client.post(
        "/api/v1/states/",
        {"name": "Somewhere", "slug": "somewhere", "iso2": "XQ"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert client.get("/states/xq/").status_code in (200, 404)  # drafts are not public


def test_a_commitment_binding_a_former_state_reads_back_by_its_public_code(client, history):
    """A Soviet-era alliance binding the Soviet Union (which has no ISO alpha-2
    code): its page in the API and the comparison of treaties name the state
    bound by its public code, as the parties are named; no server error."""
    from diplomacy.models import Commitment, CommitmentKind

    treaty = TreatyFactory(
        slug="su-gfr-alliance", kind="alliance", signed_on=D(1950, 4, 6), is_published=True
    )
    TreatyParty.objects.create(treaty=treaty, state=history["su"])
    TreatyParty.objects.create(treaty=treaty, state=history["gfr"])
    kind, _ = CommitmentKind.objects.get_or_create(value="consultation")
    Commitment.objects.create(treaty=treaty, kind=kind).parties_bound.set([history["su"]])

    detail = client.get("/api/v1/treaties/su-gfr-alliance/")
    assert detail.status_code == 200
    assert detail.json()["commitments"][0]["parties_bound"] == ["su"]
    TreatyFactory(slug="other-pact", is_published=True)
    compared = client.get("/api/v1/treaties/compare/?t=su-gfr-alliance&t=other-pact")
    assert compared.status_code == 200
    assert "su" in str(compared.json()["rows"])


def test_setup_keeps_what_editors_did_to_the_states_through_history():
    """A state deleted stays deleted (with its codes, periods and successions),
    a state's public code changed by an editor is that state still (no second
    one, no failed deploy), and a COW number an editor cleared stays cleared."""
    from tests.test_load_countries import editor_saves

    call_command("load_countries", verbosity=0)
    call_command("load_historic_states", verbosity=0)
    states = State.objects.count()
    State.objects.get(code="bad").delete()
    editor_saves(State.objects.get(code="auh"), code="ahu")
    editor_saves(State.objects.get(iso2="TJ"), code="tjk")
    zanzibar = State.objects.get(cow_code=511)
    editor_saves(zanzibar, cow_code=None)

    call_command("load_historic_states", verbosity=0)
    assert State.objects.count() == states - 1
    assert not State.objects.filter(code__in=["bad", "auh", "tj"]).exists()
    assert State.objects.get(code="ahu").cow_code == 300
    zanzibar.refresh_from_db()
    assert zanzibar.cow_code is None


def test_a_treaty_without_a_signature_date_reads_its_codes_on_its_other_dates(tmp_path, history):
    """Known only by its entry into force (1980), COW 365 is the Soviet Union."""
    path = tmp_path / "rows.csv"
    path.write_text("title,kind,entry_into_force_on,parties\nA treaty,treaty,1980-05-01,365;260\n")
    report = import_file(path, "treaty")
    assert report.ok, report.errors
    assert parties_of_imported() == ["gfr", "su"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("365,ratification,1981-02-01", "su"),  # the state that held 365 when it joined
        ("365,ratification,", "su"),  # undated row: on the treaty's date (1980)
        ("365,ratification,2005-03-01", "ru"),  # joined later, after 1991
    ],
)
def test_a_membership_row_reads_its_state_on_its_own_date_else_the_treatys(
    tmp_path, history, row, expected
):
    TreatyFactory(slug="t-1980", kind="treaty", signed_on=D(1980, 5, 1))
    path = tmp_path / "members.csv"
    path.write_text(f"treaty,state,mode,joined\nt-1980,{row}\n")
    report = import_file(path, "membership")
    assert report.ok, report.errors
    assert [p.state.code for p in TreatyParty.objects.filter(treaty__slug="t-1980")] == [expected]


def test_a_commitment_binds_the_state_a_code_named_on_its_treatys_date(tmp_path, history):
    from diplomacy.models import CommitmentKind

    treaty = TreatyFactory(slug="t-1980", kind="alliance", signed_on=D(1980, 5, 1))
    TreatyParty.objects.create(treaty=treaty, state=history["su"])
    TreatyParty.objects.create(treaty=treaty, state=history["gfr"])
    CommitmentKind.objects.get_or_create(value="defence")
    path = tmp_path / "commitments.csv"
    path.write_text("treaty,kind,article,parties_bound\nt-1980,defence,3,365\n")
    report = import_file(path, "commitment")
    assert report.ok, report.errors
    assert [s.code for s in treaty.commitments.get().parties_bound.all()] == ["su"]


def test_a_state_out_of_its_period_is_refused_for_projects_and_in_the_admin(
    client, admin_client, publisher, history
):
    """The API's projects and the admin's treaty parties and visits hold a
    state to the record's date as the API's treaties and visits do."""
    from rest_framework.authtoken.models import Token

    from diplomacy.models import Project, Visit
    from tests.test_admin import form_fields

    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=publisher).key}"
    project = {
        "slug": "late-project", "name": "A project of 2010", "kind": "other",
        "states": ["su", "uz"], "start_on": "2010-01-01",
    }  # fmt: skip
    response = client.post("/api/v1/projects/", project, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "Soviet Union" in str(response.json()["states"])
    assert not Project.objects.exists()

    page = admin_client.get("/admin/diplomacy/treaty/add/")
    data = form_fields(page, "treaty_form")
    data.update(
        {
            "title": "A treaty of 2005", "slug": "t-2005", "kind": "agreement",
            "signed_on": "2005", "treatyparty_set-TOTAL_FORMS": "2",
            "treatyparty_set-0-state": str(history["su"].pk),
            "treatyparty_set-1-state": str(history["ru"].pk),
        }
    )  # fmt: skip
    response = admin_client.post("/admin/diplomacy/treaty/add/", data)
    assert response.status_code == 200
    assert "Soviet Union was not a state then" in response.content.decode()
    assert not Treaty.objects.filter(slug="t-2005").exists()

    data = form_fields(admin_client.get("/admin/diplomacy/visit/add/"), "visit_form")
    data.update(
        {
            "title": "A visit of 2010", "slug": "v-2010", "kind": "official",
            "level": "minister", "host": str(history["su"].pk),
            "guest": str(history["uz"].pk), "start_on": "2010-03-01",
        }
    )  # fmt: skip
    response = admin_client.post("/admin/diplomacy/visit/add/", data)
    assert response.status_code == 200
    assert "Soviet Union was not a state then" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_admin_refuses_overlapping_periods_and_a_code_two_states_would_hold_at_once(
    admin_client, history
):
    """A state exists in periods one after another; a code names one state at
    a time (else no import could tell which state a row means)."""
    from tests.test_admin import form_fields

    uz = history["uz"]
    url = f"/admin/diplomacy/state/{uz.pk}/change/"
    for prefix, row, message in (
        ("periods", {"started_on": "1950-01-01", "started_on_precision": "day",
                     "ended_on": "2000-01-01", "ended_on_precision": "day"}, "overlap"),
        ("codes", {"scheme": "cow", "code": "365", "valid_from": "1950-01-01",
                   "valid_to": "1960-01-01"}, "Soviet Union holds COW number 365"),
    ):  # fmt: skip
        data = form_fields(admin_client.get(url), "state_form")
        n = int(data[f"{prefix}-TOTAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
        data.update({f"{prefix}-{n}-{name}": value for name, value in row.items()})
        response = admin_client.post(url, data)
        assert response.status_code == 200, prefix
        assert message in response.content.decode(), prefix
    assert uz.periods.count() == 1
    assert not StateCode.objects.filter(state=uz, code="365").exists()


def test_a_state_that_ceased_to_exist_is_a_former_partner_bound_by_nothing_after_its_end(
    client, history
):
    """Diplomatic relations with the Soviet Union, in force by their status,
    ended with it (SPEC 3.9): not a current partner of Austria, no relation on
    a date after it, no treaty in force for it then; until then, all of them."""
    austria = state("at", "Austria", [(D(1955, 7, 27), None)], iso2="AT", iso3="AUT")
    TreatyFactory(
        slug="at-su-relations", kind="diplomatic_relations", status="in_force",
        signed_on=D(1955, 8, 1), parties=[austria, history["su"]],
    )  # fmt: skip

    page = client.get("/states/at/").content.decode()
    current, former = page.split('id="former-partners"', 1)
    assert "Soviet Union" not in current
    former = former.split("</ul>", 1)[0]
    assert "Soviet Union" in former and "until <time" in former and "1991" in former
    assert (
        "Austria"
        in client.get("/states/su/")
        .content.decode()
        .split('id="former-partners"', 1)[1]
        .split("</ul>", 1)[0]
    )

    def level(on):
        response = client.get(f"/api/v1/relations/at/su/?on={on}")
        assert response.status_code == 200, response.content
        return response.json()["level"]

    assert level("1980-01-01") == "diplomatic_relations"
    assert level("1991-12-25") == "diplomatic_relations"
    assert level("2020-01-01") == "none"
    assert client.get("/api/v1/relations/at/su/").json()["level"] == "none"

    def in_force(on):
        response = client.get(f"/api/v1/treaties/?party=su&in_force_on={on}")
        assert response.status_code == 200, response.content
        return [t["slug"] for t in response.json()["results"]]

    assert in_force("1980-01-01") == ["at-su-relations"]
    assert in_force("2024-01-01") == []


def test_a_restored_state_does_not_get_back_the_treaties_of_its_earlier_existence(client, history):
    """Russia's existence ended in 1922 and began again in 1991: a treaty of
    1900 bound it until 1922, and binds it no more since 1991, on its pages,
    in its relations and among the treaties in force for it."""
    persia = state("ir", "Persia", [], iso2="IR", iso3="IRN")
    TreatyFactory(
        slug="ru-ir-alliance", kind="alliance", status="in_force",
        signed_on=D(1900, 3, 1), parties=[history["ru"], persia],
    )  # fmt: skip

    def level(on):
        return client.get(f"/api/v1/relations/ru/ir/?on={on}").json()["level"]

    assert level("1910-01-01") == "alliance"
    assert level("1950-01-01") == level("2000-01-01") == "none"

    def in_force(on):
        response = client.get(f"/api/v1/treaties/?party=ru&in_force_on={on}")
        return [t["slug"] for t in response.json()["results"]]

    assert in_force("1910-01-01") == ["ru-ir-alliance"]
    assert in_force("2000-01-01") == []
    former = client.get("/states/ir/").content.decode().split('id="former-partners"', 1)[1]
    assert "Russia" in former.split("</ul>", 1)[0]


def test_a_date_known_to_the_year_may_name_a_state_that_began_within_it(
    client, tmp_path, history, publisher
):
    """Uzbekistan exists from 26 December 1991: a treaty of "1991" may name
    it (it may be of the last days of the year); one of "1990" may not."""
    from rest_framework.authtoken.models import Token

    report = import_treaty(tmp_path, "UZ;RU", "1991")
    assert report.ok, report.errors
    assert parties_of_imported() == ["ru", "uz"]
    Treaty.objects.all().delete()
    report = import_treaty(tmp_path, "UZ;RU", "1990")
    assert not report.ok
    assert "Uzbekistan, which was not a state then" in report.errors[0].message

    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=publisher).key}"
    treaty = {
        "slug": "of-1991", "title": "A treaty of 1991", "kind": "agreement",
        "signed_on": "1991-01-01", "signed_on_precision": "year",
        "parties": [{"state": "uz"}, {"state": "ru"}],
    }  # fmt: skip
    response = client.post("/api/v1/treaties/", treaty, content_type="application/json")
    assert response.status_code == 201, response.content
    visit = {
        "slug": "visit-of-1991", "title": "A visit of 1991", "kind": "official",
        "level": "minister", "host": "uz", "guest": "ru",
        "start_on": "1991-12-01", "start_on_precision": "month",
    }  # fmt: skip
    response = client.post("/api/v1/visits/", visit, content_type="application/json")
    assert response.status_code == 201, response.content
    visit.update(slug="visit-of-november", start_on="1991-11-01")
    response = client.post("/api/v1/visits/", visit, content_type="application/json")
    assert response.status_code == 400, response.content


def test_a_state_that_ended_in_a_year_binds_until_the_end_of_that_year(client, history):
    """A state whose end is known to the year existed, and was bound, on every
    day of it: its pages, relations and the treaties in force agree."""
    ended = state("zz", "Ended Republic", [(D(1950, 1, 1), None)])
    ended.periods.update(ended_on=D(1990, 1, 1), ended_on_precision="year")
    uz_like = state("aa", "Lasting State", [])
    TreatyFactory(
        slug="zz-aa", kind="diplomatic_relations", status="in_force",
        signed_on=D(1960, 1, 1), parties=[ended, uz_like],
    )  # fmt: skip
    assert client.get("/api/v1/relations/zz/aa/?on=1990-09-01").json()["level"] == (
        "diplomatic_relations"
    )
    assert client.get("/api/v1/relations/zz/aa/?on=1991-01-01").json()["level"] == "none"
    listed = client.get("/api/v1/treaties/?party=zz&in_force_on=1990-09-01").json()["results"]
    assert [t["slug"] for t in listed] == ["zz-aa"]
    former = client.get("/states/aa/").content.decode().split('id="former-partners"', 1)[1]
    assert 'until <time datetime="1990">1990</time>' in former.split("</ul>", 1)[0]


def test_the_admin_takes_a_date_known_to_the_year_as_the_api_does(admin_client, history):
    """A visit of "1991" may have Uzbekistan (from 26 December 1991) as host."""
    from diplomacy.models import Visit
    from tests.test_admin import form_fields

    for start, saved in (("1990", False), ("1991", True)):
        data = form_fields(admin_client.get("/admin/diplomacy/visit/add/"), "visit_form")
        data.update(
            {
                "title": f"A visit of {start}", "slug": f"v-{start}", "kind": "official",
                "level": "minister", "host": str(history["uz"].pk),
                "guest": str(history["ru"].pk), "start_on": start,
            }
        )  # fmt: skip
        response = admin_client.post("/admin/diplomacy/visit/add/", data)
        assert response.status_code == (302 if saved else 200), start
        assert Visit.objects.filter(slug=f"v-{start}").exists() == saved


def test_an_undated_treaty_of_a_restored_state_binds_it_on_its_pages_and_in_the_api(
    client, history
):
    """A binding treaty the register has no date for binds Russia (restored
    in 1991) today on the relations page; its state page and the treaties in
    force for it say the same."""
    partner = state("ir", "Persia", [], iso2="IR", iso3="IRN")
    TreatyFactory(
        slug="ru-ir-undated", kind="alliance", status="in_force", signed_on=None,
        parties=[history["ru"], partner],
    )  # fmt: skip
    from diplomacy.relations import partners_and_former

    assert client.get("/api/v1/relations/ru/ir/").json()["level"] == "alliance"
    for one, other in ((partner, history["ru"]), (history["ru"], partner)):
        current, former = partners_and_former(one)
        assert [p.state for p in current] == [other] and former == []


def test_a_treaty_is_in_force_only_while_two_of_its_parties_are_bound_by_it(client, history):
    """An alliance of the Soviet Union and the GDR, in force by its status,
    bound nobody once both had ceased: not in force in 1995, with or without
    a party asked for, and not among the home page's strongest relations; a
    treaty of Russia and a state lasting since is not in force while Russia
    did not exist (1950), and is again not for a Russia restored in 1991."""
    dd = state("dd", "German Democratic Republic", [(D(1949, 10, 7), D(1990, 10, 2))])
    us = state("us", "United States", [(D(1816, 1, 1), None)], iso2="US", iso3="USA")
    TreatyFactory(
        slug="su-dd-alliance", kind="alliance", status="in_force",
        signed_on=D(1975, 10, 7), parties=[history["su"], dd],
    )  # fmt: skip
    TreatyFactory(
        slug="ru-us-1910", kind="agreement", status="in_force",
        signed_on=D(1910, 1, 1), parties=[history["ru"], us],
    )  # fmt: skip
    no_parties = TreatyFactory(
        slug="no-parties-recorded", kind="agreement", status="in_force", signed_on=D(1970, 1, 1)
    )
    no_parties.treatyparty_set.all().delete()

    def in_force(query):
        response = client.get(f"/api/v1/treaties/?{query}")
        assert response.status_code == 200, response.content
        return sorted(t["slug"] for t in response.json()["results"])

    assert in_force("in_force_on=1980-01-01") == ["no-parties-recorded", "su-dd-alliance"]
    assert in_force("in_force_on=1915-01-01") == ["ru-us-1910"]
    assert in_force("in_force_on=1995-01-01") == ["no-parties-recorded"]
    assert in_force("in_force_on=1950-01-01&party=us") == []
    assert in_force("in_force_on=2000-01-01&party=us") == []
    page = client.get("/treaties/?in_force_on=1995-01-01").content.decode()
    assert "su-dd-alliance" not in page
    home = client.get("/").content.decode()
    strongest = home.split('id="strongest-heading"', 1)[1].split("</section>", 1)[0]
    assert "German Democratic Republic" not in strongest and "None recorded yet" in strongest


def test_a_former_state_party_is_named_by_its_public_code_as_the_schema_says(client, history):
    """A party with no ISO code (the Soviet Union) has ``iso2`` null, as the
    schema allows, and its public code, the one ``state`` takes on writes."""
    austria = state("at", "Austria", [(D(1955, 7, 27), None)], iso2="AT", iso3="AUT")
    TreatyFactory(
        slug="at-su", kind="agreement", signed_on=D(1960, 1, 1),
        parties=[austria, history["su"]],
    )  # fmt: skip
    parties = client.get("/api/v1/treaties/at-su/").json()["parties"]
    assert [(p["iso2"], p["code"]) for p in parties] == [("AT", "at"), (None, "su")]
    schema = client.get("/api/v1/schema/?format=json").json()
    party = schema["components"]["schemas"]["Party"]["properties"]
    assert party["iso2"].get("nullable") is True
    assert party["code"]["type"] == "string" and party["code"]["readOnly"] is True


@pytest.mark.parametrize(
    "treaty, party, accepted",
    [
        # No signature date: the entry into force is the record's date.
        ({"entry_into_force_on": "2000-01-01"}, {}, False),
        # Each date on which a party acts as a state: its entry into force, its withdrawal.
        ({"signed_on": "1980-01-01"}, {"entry_into_force_on": "1995"}, False),
        ({"signed_on": "1980-01-01"}, {"left_on": "2000", "exit_kind": "withdrawal"}, False),
        ({"signed_on": "1980-01-01"}, {"left_on": "1990", "exit_kind": "withdrawal"}, True),
        # It ceased to be a party as it ceased to be a state: the day after its end.
        ({"signed_on": "1980-01-01"}, {"left_on": "1991-12-26", "exit_kind": "ceased"}, True),
    ],
)
def test_every_date_on_which_a_party_acts_names_a_state_existing_then(
    client, publisher, history, treaty, party, accepted
):
    from rest_framework.authtoken.models import Token

    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=publisher).key}"
    state("us", "United States", [(None, None)], iso2="US", iso3="USA")
    body = {
        "slug": "su-us", "title": "A treaty", "kind": "agreement", **treaty,
        "parties": [{"state": "su", **party}, {"state": "us"}],
    }  # fmt: skip
    response = client.post("/api/v1/treaties/", body, content_type="application/json")
    assert response.status_code == (201 if accepted else 400), response.content
    if not accepted:
        assert "Soviet Union" in str(response.json()["parties"])


def test_the_admin_checks_a_partys_dates_as_the_api_does(admin_client, history):
    """A treaty with no signature date is checked on its entry into force,
    and a party's withdrawal date must find the state existing."""
    from tests.test_admin import form_fields

    state("us", "United States", [(None, None)], iso2="US", iso3="USA")
    data = form_fields(admin_client.get("/admin/diplomacy/treaty/add/"), "treaty_form")
    prefix = "treatyparty_set"
    data.update({
        "title": "A treaty", "slug": "su-us", "kind": "agreement",
        "entry_into_force_on": "2000-01-01", f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-0-state": str(history["su"].pk),
        f"{prefix}-1-state": str(State.objects.get(code="us").pk),
    })  # fmt: skip
    page = admin_client.post("/admin/diplomacy/treaty/add/", data).content.decode()
    assert "Soviet Union" in page and not Treaty.objects.filter(slug="su-us").exists()
    data.update({
        "entry_into_force_on": "", "signed_on": "1980-01-01",
        f"{prefix}-0-left_on": "2000", f"{prefix}-0-exit_kind": "withdrawal",
    })  # fmt: skip
    page = admin_client.post("/admin/diplomacy/treaty/add/", data).content.decode()
    assert "Soviet Union" in page and not Treaty.objects.filter(slug="su-us").exists()
    data[f"{prefix}-0-left_on"] = "1990"
    response = admin_client.post("/admin/diplomacy/treaty/add/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]


def test_the_state_admin_takes_codes_as_typed_and_ends_known_to_the_year(admin_client, history):
    """A code typed in lower case or with a COW number's zero padding is the
    code (no database message); a period ending "1991" lasts the whole year,
    as memberships read it, so a period from 6 September 1991 overlaps it."""
    from tests.test_admin import form_fields

    uz = history["uz"]
    url = f"/admin/diplomacy/state/{uz.pk}/change/"
    data = form_fields(admin_client.get(url), "state_form")
    n = int(data["codes-TOTAL_FORMS"])
    data["codes-TOTAL_FORMS"] = str(n + 2)
    data.update({f"codes-{n}-scheme": "iso2", f"codes-{n}-code": "uz"})
    data.update({f"codes-{n + 1}-scheme": "cow", f"codes-{n + 1}-code": "0704",
                 f"codes-{n + 1}-valid_from": "1991-12-26"})  # fmt: skip
    response = admin_client.post(url, data)
    # The COW number it has from that day already: said so, not a server error.
    assert response.status_code == 200
    assert "Uzbekistan has COW number 704 from 1991-12-26 in another row" in (
        response.content.decode()
    )
    data[f"codes-{n + 1}-valid_from"] = "1991-12-27"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert StateCode.objects.filter(state=uz, scheme="iso2", code="UZ").exists()
    assert StateCode.objects.filter(state=uz, scheme="cow", code="704").count() == 2

    lt = state("lt", "Lithuania", [])
    url = f"/admin/diplomacy/state/{lt.pk}/change/"
    data = form_fields(admin_client.get(url), "state_form")
    data["periods-TOTAL_FORMS"] = "2"
    data.update({
        "periods-0-started_on": "1918-02-16", "periods-0-started_on_precision": "day",
        "periods-0-ended_on": "1991-01-01", "periods-0-ended_on_precision": "year",
        "periods-1-started_on": "1991-09-06", "periods-1-started_on_precision": "day",
        "periods-1-ended_on_precision": "day",
    })  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "Two periods overlap" in response.content.decode()
