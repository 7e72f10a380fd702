"""Membership of a treaty over time (SPEC 3.10) and the relations derived from
it by date (SPEC 3.8): a party counts from its own joining date and until it
left, through the relations page and API, the state page, the in_force_on
filter, the API's party fields and the membership import."""

import datetime

import pytest
from rest_framework.authtoken.models import Token

from diplomacy.choices import ConsentMode, DatePrecision, ExitKind, TreatyKind, TreatyStatus
from diplomacy.importing import import_file
from diplomacy.models import TreatyParty
from tests.factories import StateFactory, TreatyFactory

pytestmark = pytest.mark.django_db
D = datetime.date
JSON = "application/json"


@pytest.fixture
def states():
    names = {
        "RU": "Russia", "UZ": "Uzbekistan", "KZ": "Kazakhstan", "AM": "Armenia",
        "AZ": "Azerbaijan",
    }  # fmt: skip
    return {code: StateFactory(iso2=code, name=name) for code, name in names.items()}


def set_membership(treaty, state, **fields):
    party = TreatyParty.objects.get(treaty=treaty, state=state)
    for name, value in fields.items():
        setattr(party, name, value)
    party.save()
    return party


@pytest.fixture
def cst(states):
    """The Collective Security Treaty as the register would hold it: signed
    15 May 1992 (no entry into force recorded), Uzbekistan left in 1999,
    Armenia here made to accede in 2000; and the Russia-Uzbekistan alliance
    treaty of 14 November 2005."""
    ru, uz, kz, am = (states[code] for code in ("RU", "UZ", "KZ", "AM"))
    treaty = TreatyFactory(
        title="Collective Security Treaty",
        slug="collective-security-treaty",
        kind=TreatyKind.ALLIANCE,
        signed_on=D(1992, 5, 15),
        parties=[ru, uz, kz, am],
    )
    set_membership(
        treaty,
        uz,
        consent_mode=ConsentMode.SIGNATURE,
        consented_on=D(1992, 5, 15),
        left_on=D(1999, 1, 1),
        left_on_precision=DatePrecision.YEAR,
        exit_kind=ExitKind.WITHDRAWAL,
    )
    set_membership(treaty, am, consent_mode=ConsentMode.ACCESSION, consented_on=D(2000, 3, 1))
    bilateral = TreatyFactory(
        title="Treaty on Allied Relations between Russia and Uzbekistan",
        slug="alliance-ru-uz-2005",
        kind=TreatyKind.ALLIANCE,
        signed_on=D(2005, 11, 14),
        parties=[ru, uz],
    )
    return treaty, bilateral


def relation(client, a, b, on=None):
    response = client.get(f"/api/v1/relations/{a}/{b}/" + (f"?on={on}" if on else ""))
    assert response.status_code == 200, response.content
    return response.json()


# -- relations by date -------------------------------------------------------------------------


def test_a_party_that_joined_later_counts_only_from_its_own_date(client, cst):
    assert relation(client, "ru", "am", on="1995-06-01")["level"] == "none"
    assert relation(client, "ru", "am", on="1999-12-31")["level"] == "none"
    joined = relation(client, "ru", "am", on="2000-03-01")
    assert joined["level"] == "alliance"
    assert (joined["reached_on"], joined["reached_by"]["slug"]) == (
        "2000-03-01",
        "collective-security-treaty",
    )
    # The original parties count from the signature.
    assert relation(client, "ru", "kz", on="1995-06-01")["reached_on"] == "1992-05-15"
    page = client.get("/relations/am/ru/?on=1995-06-01")
    assert page.status_code == 200
    assert "No recorded relation" in page.content.decode()


def test_a_state_that_left_stops_counting_and_the_history_shows_the_gap(client, cst):
    data = relation(client, "ru", "uz")
    assert [(p["level"], p["start_on"], p["after"], p["end_on"]) for p in data["history"]] == [
        ("alliance", "1992-05-15", None, "1999"),
        ("none", None, "1999", None),
        ("alliance", "2005-11-14", None, None),
    ]
    assert [p["treaty"] and p["treaty"]["slug"] for p in data["history"]] == [
        "collective-security-treaty",
        None,
        "alliance-ru-uz-2005",
    ]
    # Today: allied since the 2005 treaty, not since 1992.
    assert (data["level"], data["reached_on"]) == ("alliance", "2005-11-14")
    assert data["reached_by"]["slug"] == "alliance-ru-uz-2005"

    html = client.get("/relations/ru/uz/").content.decode()
    history = html[html.index('id="history-heading"') : html.index('id="timeline-heading"')]
    for text in ("15 May 1992", "after", "1999", "14 November 2005", "Collective Security Treaty"):
        assert text in history, text
    # Each period's level links to what the level means.
    assert history.count('href="/about/#level-alliance"') == 2
    assert 'since <time datetime="2005-11-14">14 November 2005</time>' in html
    # Kazakhstan and Uzbekistan had only the treaty Uzbekistan left.
    assert relation(client, "kz", "uz")["level"] == "none"
    assert relation(client, "kz", "uz", on="1998-01-01")["level"] == "alliance"


def test_on_gives_the_level_on_that_date_on_the_page_and_in_the_api(client, cst):
    assert relation(client, "uz", "ru", on="1995-01-01")["reached_by"]["slug"] == (
        "collective-security-treaty"
    )
    gap = relation(client, "uz", "ru", on="2003-07-01")
    assert (gap["level"], gap["reached_by"], gap["on"]) == ("none", None, "2003-07-01")
    assert relation(client, "uz", "ru", on="1992-05-14")["level"] == "none"
    # The exit year still counts as membership (left 1999: not before 1 January 1999).
    assert relation(client, "uz", "ru", on="1999-01-01")["level"] == "alliance"
    page = client.get("/relations/uz/ru/?on=2003-07-01").content.decode()
    assert "No recorded relation" in page and 'value="2003-07-01"' in page
    page = client.get("/relations/uz/ru/?on=1995-01-01").content.decode()
    assert "<strong>Alliance</strong> since" in page
    assert "counted from its signature" in page  # no entry into force is recorded


@pytest.mark.parametrize("value", ["yesterday", "2005-13-01", "2005-1-1", "1995-02-30"])
def test_a_bad_on_date_is_a_400_that_says_why(client, cst, value):
    page = client.get(f"/relations/ru/uz/?on={value}")
    assert page.status_code == 400
    assert "is not a date" in page.content.decode()
    api = client.get(f"/api/v1/relations/ru/uz/?on={value}")
    assert api.status_code == 400
    assert "YYYY-MM-DD" in str(api.json()["on"])


def test_state_page_shows_current_partners_and_former_ones_apart(client, cst):
    html = client.get("/states/uz/").content.decode()
    current, former = html.split('id="former-partners"', 1)
    assert "Russia" in current and "Kazakhstan" not in current
    former = former.split("</ul>", 1)[0]
    assert "Kazakhstan" in former and "Russia" not in former
    # Armenia joined after Uzbekistan left: never a partner of it.
    partners = html[html.index('id="partners-heading"') : html.index('id="treaties-heading"')]
    assert "Armenia" not in partners
    assert "until <time" in former and "1999" in former


# -- in force on a date ----------------------------------------------------------------------


def slugs(client, query):
    response = client.get(f"/api/v1/treaties/?{query}")
    assert response.status_code == 200, response.content
    return sorted(t["slug"] for t in response.json()["results"])


def test_in_force_on_finds_a_treaty_whose_signature_date_is_unknown(client, cst, states):
    """The list walks treaties by signature date; one with no signature date
    but a known entry into force is in force all the same."""
    ru, uz = states["RU"], states["UZ"]
    TreatyFactory(slug="dated", signed_on=D(2001, 1, 1), entry_into_force_on=D(2002, 1, 1),
                  status=TreatyStatus.IN_FORCE, parties=[ru, uz])  # fmt: skip
    assert "dated" in slugs(client, "in_force_on=2003-01-01")
    assert "undated" not in slugs(client, "in_force_on=2003-01-01")
    TreatyFactory(slug="undated", signed_on=None, entry_into_force_on=D(2002, 1, 1),
                  status=TreatyStatus.IN_FORCE, parties=[ru, uz])  # fmt: skip
    assert {"dated", "undated"} <= set(slugs(client, "in_force_on=2003-01-01"))
    assert "undated" not in slugs(client, "in_force_on=2001-06-30")


def test_in_force_on_with_and_without_parties(client, cst, states):
    ru, uz = states["RU"], states["UZ"]
    TreatyFactory(slug="by-force", signed_on=D(2001, 1, 1), entry_into_force_on=D(2003, 1, 1),
                  status=TreatyStatus.IN_FORCE, parties=[ru, uz])  # fmt: skip
    TreatyFactory(slug="ended", signed_on=D(1993, 1, 1), ended_on=D(2002, 6, 30),
                  status=TreatyStatus.TERMINATED, parties=[ru, uz])  # fmt: skip
    TreatyFactory(slug="terminated-undated", signed_on=D(1993, 1, 1),
                  status=TreatyStatus.TERMINATED, parties=[ru, uz])  # fmt: skip
    TreatyFactory(slug="negotiating", signed_on=None, status=TreatyStatus.NEGOTIATING,
                  parties=[ru, uz])  # fmt: skip

    assert slugs(client, "in_force_on=2002-06-30") == ["collective-security-treaty", "ended"]
    assert slugs(client, "in_force_on=2003-01-01") == ["by-force", "collective-security-treaty"]
    # For Uzbekistan, the treaty it left is not in force after 1999.
    assert slugs(client, "in_force_on=2002-06-30&party=uz") == ["ended"]
    assert slugs(client, "in_force_on=1998-06-30&party=UZ&party=ru") == [
        "collective-security-treaty",
        "ended",
    ]
    assert slugs(client, "in_force_on=1999-06-30&party=am") == []
    assert slugs(client, "in_force_on=2000-03-01&party=am") == ["collective-security-treaty"]

    page = client.get("/treaties/?in_force_on=2002-06-30&party=ru")
    html = page.content.decode()
    assert page.status_code == 200 and "Collective Security Treaty" in html
    assert "in force by signature only" in html
    csv = client.get("/treaties/export.csv?in_force_on=2002-06-30&party=uz")
    body = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "ended" in body and "collective-security-treaty" not in body
    feed = client.get("/treaties/feed/?in_force_on=2000-03-01&party=am").content.decode()
    assert "Collective Security Treaty" in feed and "by-force" not in feed


@pytest.mark.parametrize("value", ["2005-02-30", "tomorrow", "05/11/2005"])
def test_a_bad_in_force_on_is_a_400_with_a_message(client, cst, value):
    assert client.get(f"/api/v1/treaties/?in_force_on={value}").status_code == 400
    page = client.get(f"/treaties/?in_force_on={value}")
    assert page.status_code == 400
    assert "YYYY-MM-DD" in page.content.decode()


# -- writing memberships ---------------------------------------------------------------------


@pytest.fixture
def api(client, editor):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=editor).key}"
    return client


def test_the_api_writes_and_reads_membership_fields(api, cst):
    treaty, _ = cst
    parties = [
        {"state": "ru"},
        {"state": "kz", "ratified_on": "1993-03-01"},
        {"state": "am", "consent_mode": "accession", "consented_on": "2000-03-01"},
        {"state": "uz", "consent_mode": "signature", "consented_on": "1992-05-15",
         "left_on": "1999", "left_on_precision": "year", "exit_kind": "withdrawal"},
    ]  # fmt: skip
    parties[3]["left_on"] = "1999-01-01"
    response = api.patch(
        f"/api/v1/treaties/{treaty.slug}/", {"parties": parties}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    read = {p["iso2"]: p for p in api.get(f"/api/v1/treaties/{treaty.slug}/").json()["parties"]}
    assert (read["UZ"]["left_on"], read["UZ"]["left_on_precision"]) == ("1999-01-01", "year")
    assert read["UZ"]["exit_kind"] == "withdrawal"
    assert (read["AM"]["consent_mode"], read["AM"]["consented_on"]) == ("accession", "2000-03-01")
    # A ratification date alone keeps its meaning: consent by ratification.
    assert (read["KZ"]["consent_mode"], read["KZ"]["consented_on"]) == (
        "ratification",
        "1993-03-01",
    )
    assert relation(api, "ru", "uz", on="2003-01-01")["level"] == "none"
    history = TreatyParty.history.filter(treaty_id=treaty.pk, state__iso2="AM")
    assert history.filter(consent_mode="accession").exists()


@pytest.mark.parametrize(
    ("party", "field", "words"),
    [
        ({"left_on": "1999-01-01"}, "exit_kind", "how it left"),
        ({"exit_kind": "withdrawal"}, "left_on", "date it left"),
        ({"consented_on": "1995-01-01", "left_on": "1994-01-01", "exit_kind": "ceased"},
         "left_on", "before it joined"),
        ({"consented_on": "1991-12-31"}, "consented_on", "before the treaty's signature"),
    ],
)  # fmt: skip
def test_the_api_refuses_a_membership_out_of_order(api, cst, party, field, words):
    treaty, _ = cst
    payload = {"parties": [{"state": "ru"}, {"state": "kz", **party}]}
    response = api.patch(f"/api/v1/treaties/{treaty.slug}/", payload, content_type=JSON)
    assert response.status_code == 400, response.content
    assert field in str(response.json()["parties"]) and words in str(response.json())


def test_membership_import_round_trip(tmp_path, cst, client):
    treaty, _ = cst
    path = tmp_path / "members.csv"
    path.write_text(
        "treaty,state,mode,joined,in_force,left,exit_kind\n"
        "collective-security-treaty,KZ,ratification,1992-05-15,1994-04-20,,\n"
        "collective-security-treaty,AZ,accession,1993-09-24,,1999,withdrawal\n"
        "collective-security-treaty,uz,,,,,\n",
        encoding="utf-8",
    )
    preview = import_file(path, "membership", dry_run=True)
    assert preview.ok and (preview.created, preview.updated) == (1, 2)
    assert not TreatyParty.objects.filter(state__iso2="AZ").exists()  # a dry run writes nothing
    report = import_file(path, "membership")
    assert report.ok and report.written, [str(e) for e in report.errors]
    kz = TreatyParty.objects.get(treaty=treaty, state__iso2="KZ")
    assert (kz.consent_mode, kz.consented_on, kz.entry_into_force_on) == (
        "ratification",
        D(1992, 5, 15),
        D(1994, 4, 20),
    )
    az = TreatyParty.objects.get(treaty=treaty, state__iso2="AZ")
    assert (str(az.left), az.exit_kind, az.consent_mode) == ("1999", "withdrawal", "accession")
    # An empty cell clears: Uzbekistan's exit is gone.
    uz = TreatyParty.objects.get(treaty=treaty, state__iso2="UZ")
    assert (uz.left_on, uz.exit_kind, uz.consented_on) == (None, "", None)
    assert TreatyParty.history.filter(treaty_id=treaty.pk, state__iso2="AZ").exists()
    # The same file again changes nothing.
    again = import_file(path, "membership")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    # What was imported is what the API and the relations show.
    read = {p["iso2"]: p for p in client.get(f"/api/v1/treaties/{treaty.slug}/").json()["parties"]}
    assert read["AZ"]["left_on"] == "1999-01-01" and read["AZ"]["exit_kind"] == "withdrawal"
    assert relation(client, "ru", "az", on="1995-01-01")["level"] == "alliance"
    assert relation(client, "ru", "az", on="2001-01-01")["level"] == "none"


def test_a_membership_import_with_a_bad_row_writes_nothing(tmp_path, cst):
    treaty, _ = cst
    path = tmp_path / "members.csv"
    path.write_text(
        "treaty,state,joined,left,exit_kind,mode\n"
        "collective-security-treaty,KZ,1993-01-01,,,ratification\n"
        "collective-security-treaty,AM,2001-01-01,2000-01-01,withdrawal,accession\n"
        "no-such-treaty,RU,,,,\n"
        "collective-security-treaty,ZZ,,,,\n"
        "collective-security-treaty,RU,,,,joined by handshake\n",
        encoding="utf-8",
    )
    report = import_file(path, "membership")
    errors = {(e.line, e.field) for e in report.errors}
    assert {(3, "left"), (4, "treaty"), (5, "state"), (6, "mode")} <= errors, errors
    assert not report.written
    assert TreatyParty.objects.get(treaty=treaty, state__iso2="KZ").consented_on is None


@pytest.mark.parametrize(
    ("party", "accepted"),
    [
        ({"consented_on": "1995-05-15", "left_on": "1995-01-01", "left_on_precision": "year"},
         True),
        ({"consented_on": "1995-05-15", "left_on": "1995-05-01", "left_on_precision": "month"},
         True),
        ({"consented_on": "1995-05-15", "left_on": "1994-01-01", "left_on_precision": "year"},
         False),
        ({"consented_on": "1995-05-15", "left_on": "1995-04-01", "left_on_precision": "month"},
         False),
    ],
)  # fmt: skip
def test_an_exit_known_to_the_year_may_fall_in_the_year_it_joined(api, cst, party, accepted):
    """Joined on 15 May 1995 and left "in 1995": in order, as the dates are
    known. Left in 1994, or in April 1995, is not."""
    treaty, _ = cst
    payload = {"parties": [{"state": "ru"}, {"state": "kz", "exit_kind": "withdrawal", **party}]}
    response = api.patch(f"/api/v1/treaties/{treaty.slug}/", payload, content_type=JSON)
    if accepted:
        assert response.status_code == 200, response.content
        kz = TreatyParty.objects.get(treaty=treaty, state__iso2="KZ")
        assert kz.left.precision == party["left_on_precision"]
    else:
        assert response.status_code == 400, response.content
        assert "before it joined" in str(response.json())


def test_a_treaty_may_end_in_the_year_it_was_signed_when_its_end_is_known_to_the_year(api, cst):
    treaty, _ = cst
    response = api.patch(
        f"/api/v1/treaties/{treaty.slug}/",
        {"status": "terminated", "ended_on": "1992-01-01", "ended_on_precision": "year"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    treaty.refresh_from_db()
    assert str(treaty.ended) == "1992"


def test_the_database_holds_the_same_order_of_partial_dates(cst):
    """The rule is the database's too, for writes that bypass the forms."""
    from django.db import IntegrityError, transaction

    treaty, _ = cst
    kz = TreatyParty.objects.get(treaty=treaty, state__iso2="KZ")
    kz.consented_on, kz.exit_kind = D(1995, 5, 15), "withdrawal"
    kz.left_on, kz.left_on_precision = D(1995, 1, 1), DatePrecision.YEAR
    kz.save()
    kz.left_on, kz.left_on_precision = D(1995, 4, 1), DatePrecision.MONTH
    with pytest.raises(IntegrityError), transaction.atomic():
        kz.save()


@pytest.mark.parametrize(
    "party, said",
    [
        ({"consented_on": "2005"}, "Cannot be after the treaty ended"),
        ({"entry_into_force_on": "2001-03-01"}, "Cannot be after the treaty ended"),
        ({"ratified_on": "1998"}, "Cannot be before the treaty's signature"),
    ],
)
def test_a_party_cannot_join_a_treaty_after_it_ended_nor_ratify_before_signature(
    client, publisher, party, said
):
    from rest_framework.authtoken.models import Token

    from tests.factories import StateFactory

    StateFactory(iso2="AZ", name="Azerbaijan")
    StateFactory(iso2="UZ", name="Uzbekistan")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=publisher).key}"
    body = {
        "slug": "ended", "title": "An agreement", "kind": "agreement", "status": "terminated",
        "signed_on": "1999-06-01", "ended_on": "2000-12-31",
        "parties": [{"state": "az", **party}, {"state": "uz"}],
    }  # fmt: skip
    response = client.post("/api/v1/treaties/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert said in str(response.json()["parties"])
