"""Commitments (SPEC 3.11): what a treaty binds its parties to, coded and
quoted; edited in the admin and the API, shown on treaty pages, lists, CSV,
filtered by ``commitment``, compared side by side."""

import datetime

import pytest
from rest_framework.authtoken.models import Token

from diplomacy.caching.version import data_version
from diplomacy.choices import TreatyKind
from diplomacy.models import Commitment, CommitmentKind
from tests.factories import SourceFactory, StateFactory, TreatyFactory

pytestmark = pytest.mark.django_db
D = datetime.date
JSON = "application/json"


def kind(value):
    return CommitmentKind.objects.get(value=value)


@pytest.fixture
def pair():
    return StateFactory(iso2="AZ", name="Azerbaijan"), StateFactory(iso2="UZ", name="Uzbekistan")


@pytest.fixture
def treaty(pair):
    treaty = TreatyFactory(
        title="Treaty on Allied Relations",
        slug="allied-relations",
        kind=TreatyKind.ALLIANCE,
        signed_on=D(2024, 8, 23),
        parties=list(pair),
    )
    source = SourceFactory(slug="allied-text", title="The treaty's text")
    Commitment.objects.create(
        treaty=treaty,
        kind=kind("political_support"),
        article="Article 3",
        quote="mutual support in international organizations",
        source=source,
    )
    Commitment.objects.create(
        treaty=treaty,
        kind=kind("energy_cooperation"),
        article="Article 7",
        quote="cooperation in energy",
        conditions="on request",
    )
    return treaty


def token_client(client, user):
    token, _ = Token.objects.get_or_create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_the_vocabulary_holds_the_stable_values():
    values = set(CommitmentKind.objects.values_list("value", flat=True))
    assert {
        "defence", "offence", "neutrality", "non_aggression", "consultation",
        "political_support", "no_hostile_alignment", "security_cooperation",
        "economic_cooperation", "energy_cooperation", "transport_cooperation",
        "cultural_cooperation", "education_cooperation", "other",
    } <= values  # fmt: skip


def test_each_change_of_a_commitment_bumps_the_data_version(treaty, pair):
    commitment = treaty.commitments.first()
    before = data_version()
    commitment.parties_bound.add(pair[0])
    after_m2m = data_version()
    assert after_m2m != before
    commitment.quote = "changed"
    commitment.save()
    assert data_version() != after_m2m
    assert commitment.history.count() >= 2


def test_editor_adds_a_commitment_in_the_treaty_admin(editor_client, treaty, pair):
    response = editor_client.get(f"/admin/diplomacy/treaty/{treaty.pk}/change/")
    assert response.status_code == 200
    assert "commitments-TOTAL_FORMS" in response.content.decode()


def test_api_reads_and_writes_commitments(client, treaty, pair, editor):
    body = client.get("/api/v1/treaties/allied-relations/").json()
    kinds = [c["kind"] for c in body["commitments"]]
    assert kinds == ["political_support", "energy_cooperation"]
    assert body["commitments"][0]["quote"] == "mutual support in international organizations"
    assert body["commitments"][0]["source"] == "allied-text"
    assert body["commitments"][1]["conditions"] == "on request"
    listed = client.get("/api/v1/treaties/").json()["results"][0]
    assert [c["kind"] for c in listed["commitments"]] == kinds

    api = token_client(client, editor)
    response = api.patch(
        "/api/v1/treaties/allied-relations/",
        {
            "commitments": [
                {
                    "kind": "defence",
                    "article": "Article 4",
                    "quote": "help",
                    "parties_bound": ["az"],
                }
            ]
        },
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert [c["kind"] for c in response.json()["commitments"]] == ["defence"]
    stored = treaty.commitments.get()
    assert stored.kind.value == "defence"
    assert list(stored.parties_bound.values_list("iso2", flat=True)) == ["AZ"]
    bad = api.patch(
        "/api/v1/treaties/allied-relations/",
        {"commitments": [{"kind": "nonsense"}]},
        content_type=JSON,
    )
    assert bad.status_code == 400
    assert "commitments" in bad.json()


@pytest.mark.parametrize("commitments", [[], [{"kind": "defence", "parties_bound": ["az"]}]])
def test_a_new_treaty_sent_with_commitments_and_no_parties(client, pair, editor, commitments):
    """Created without parties, a treaty has none to bind: no commitment may
    bind one (400 naming it), and an empty list is simply no commitments."""
    api = token_client(client, editor)
    body = {"slug": "no-parties", "title": "No parties", "kind": "agreement"}
    response = api.post(
        "/api/v1/treaties/", {**body, "commitments": commitments}, content_type=JSON
    )
    if commitments:
        assert response.status_code == 400, response.content
        assert "commitments" in response.json()
    else:
        assert response.status_code == 201, response.content
        assert response.json()["commitments"] == []


def test_commitment_filter_needs_all_kinds(client, treaty, pair):
    other = TreatyFactory(slug="energy-only", title="Energy accord", parties=list(pair))
    Commitment.objects.create(treaty=other, kind=kind("energy_cooperation"))
    TreatyFactory(slug="nothing", title="Plain accord", parties=list(pair))

    def slugs(query):
        response = client.get(f"/api/v1/treaties/?{query}")
        assert response.status_code == 200, response.content
        return sorted(row["slug"] for row in response.json()["results"])

    assert slugs("commitment=energy_cooperation") == ["allied-relations", "energy-only"]
    both = "commitment=energy_cooperation&commitment=political_support"
    assert slugs(both) == ["allied-relations"]
    assert client.get("/api/v1/treaties/?commitment=nonsense").status_code == 400
    page = client.get(f"/treaties/?{both}").content.decode()
    assert "Treaty on Allied Relations" in page and "Energy accord" not in page
    exported = client.get(f"/treaties/export.csv?{both}")
    csv = b"".join(exported.streaming_content).decode()
    header, *rows = csv.splitlines()
    assert header.endswith(",commitments")
    assert len(rows) == 1 and rows[0].endswith("political_support;energy_cooperation")
    feed = client.get(f"/treaties/feed/?{both}").content.decode()
    assert "Treaty on Allied Relations" in feed and "Energy accord" not in feed


def test_treaty_page_lists_commitments_with_quotes_and_list_shows_tags(client, treaty):
    page = client.get("/treaties/allied-relations/").content.decode()
    assert "Political support" in page and "Article 3" in page
    assert "mutual support in international organizations" in page
    listing = client.get("/treaties/").content.decode()
    assert "Political support" in listing and "Energy cooperation" in listing


def test_a_draft_treatys_commitments_are_not_shown(client, treaty):
    treaty.is_published = False
    treaty.save()
    assert client.get("/api/v1/treaties/?commitment=political_support").json()["results"] == []
    assert client.get("/treaties/allied-relations/").status_code == 404


@pytest.fixture
def three(treaty, pair):
    """Three relation treaties of the same pair, each binding differently."""
    pact = TreatyFactory(
        title="Consultation pact",
        slug="consultation-pact",
        kind=TreatyKind.ALLIANCE,
        signed_on=D(2020, 1, 10),
        parties=list(pair),
    )
    Commitment.objects.create(
        treaty=pact, kind=kind("consultation"), article="Article 2", quote="shall consult"
    )
    partnership = TreatyFactory(
        title="Strategic partnership",
        slug="partnership",
        kind=TreatyKind.STRATEGIC_PARTNERSHIP,
        signed_on=D(2015, 1, 10),
        parties=list(pair),
    )
    return [treaty, pact, partnership]


COMPARE = "t=allied-relations&t=consultation-pact&t=partnership"


def test_compare_page_puts_commitments_side_by_side(client, three, django_assert_max_num_queries):
    client.get(f"/treaties/compare/?{COMPARE}")  # the kinds' map, once per data version
    # version, treaties, their parties, commitments, the parties they bind
    with django_assert_max_num_queries(5):
        response = client.get(f"/treaties/compare/?{COMPARE}")
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Treaty on Allied Relations", "Consultation pact", "Strategic partnership"):
        assert text in page
    assert "Political support" in page and "Consultation" in page
    assert "shall consult" in page and "Article 3" in page
    # The partnership records no commitment: its cells say so.
    assert page.count("—") >= 3


def test_compare_is_linked_from_a_treaty_page(client, three):
    page = client.get("/treaties/allied-relations/").content.decode()
    assert "/treaties/compare/?t=allied-relations&amp;t=" in page
    assert "consultation-pact" in page


@pytest.mark.parametrize(
    "query",
    [
        "",
        "t=allied-relations",
        "t=allied-relations&t=allied-relations",
        "t=a&t=b&t=c&t=d&t=e&t=f&t=g",
    ],
)
def test_compare_needs_two_to_six_treaties(client, three, query):
    response = client.get(f"/treaties/compare/?{query}")
    assert response.status_code == 400
    assert "Compare 2 to 6 different treaties" in response.content.decode()
    api = client.get(f"/api/v1/treaties/compare/?{query}")
    assert api.status_code == 400
    assert "2 to 6" in api.json()["detail"]


def test_compare_refuses_drafts_and_unknown_treaties(client, three):
    three[1].is_published = False
    three[1].save()
    response = client.get(f"/treaties/compare/?{COMPARE}")
    assert response.status_code == 400
    assert "consultation-pact" in response.content.decode()
    assert client.get("/api/v1/treaties/compare/?t=allied-relations&t=nope").status_code == 400


def test_compare_api(client, three, django_assert_max_num_queries):
    client.get(f"/api/v1/treaties/compare/?{COMPARE}")
    # version, treaties, their parties, commitments, the parties they bind
    with django_assert_max_num_queries(5):
        response = client.get(f"/api/v1/treaties/compare/?{COMPARE}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [t["slug"] for t in body["treaties"]] == [
        "allied-relations", "consultation-pact", "partnership",
    ]  # fmt: skip
    rows = {row["kind"]: row["cells"] for row in body["rows"]}
    assert rows["consultation"][1][0]["quote"] == "shall consult"
    assert rows["consultation"][0] == [] and rows["consultation"][2] == []
    assert rows["political_support"][0][0]["article"] == "Article 3"


def test_about_page_explains_the_ladder_and_the_vocabulary(client):
    page = client.get("/about/").content.decode()
    assert "Non-aggression" in page and "non_aggression" in page
    assert "Strategic partnership" in page and "Alliance" in page


def test_relations_say_what_binds_the_pair(client, treaty):
    page = client.get("/relations/az/uz/").content.decode()
    assert "<strong>Alliance</strong> since" in page
    assert "political support" in page and "energy cooperation" in page
    assert 'href="/about/#level-alliance"' in page
    body = client.get("/api/v1/relations/az/uz/").json()
    assert body["level"] == "alliance"
    assert [c["kind"] for c in body["commitments"]] == ["political_support", "energy_cooperation"]


def test_a_consultation_pact_does_not_make_allies(client):
    us, kp = StateFactory(iso2="US", name="United States"), StateFactory(iso2="KP", name="Korea")
    pact = TreatyFactory(
        title="Consultation pact",
        kind=TreatyKind.ALLIANCE,
        signed_on=D(1976, 1, 1),
        parties=[us, kp],
    )
    Commitment.objects.create(treaty=pact, kind=kind("consultation"), quote="shall consult")
    body = client.get("/api/v1/relations/us/kp/").json()
    assert body["level"] == "strategic_partnership"
    assert [c["kind"] for c in body["commitments"]] == ["consultation"]
    Commitment.objects.create(treaty=pact, kind=kind("defence"), quote="shall defend")
    assert client.get("/api/v1/relations/us/kp/").json()["level"] == "alliance"


def test_synthetic_data_carries_commitments_the_filter_finds(client):
    from django.core.management import call_command

    call_command("load_countries", verbosity=0)
    call_command("generate_synthetic", "--treaties", "200", "--visits", "1", "--projects", "1")
    coded = Commitment.objects.filter(treaty__slug__startswith="synthetic-")
    assert coded.exists()
    value = coded.select_related("kind").first().kind.value
    response = client.get(f"/api/v1/treaties/?commitment={value}")
    assert response.status_code == 200
    published = coded.filter(kind__value=value, treaty__is_published=True).exists()
    assert bool(response.json()["results"]) == published


def test_the_treaty_import_takes_a_commitments_column(tmp_path, pair):
    from diplomacy.importing import import_file

    path = tmp_path / "rows.csv"
    path.write_text(
        "slug,title,kind,signed_on,parties,commitments\n"
        "pact,Pact of A and B,alliance,2020-01-01,AZ;UZ,consultation;non_aggression\n",
        encoding="utf-8",
    )
    report = import_file(path, "treaty")
    assert report.ok, [str(e) for e in report.errors]
    values = lambda: sorted(  # noqa: E731
        Commitment.objects.filter(treaty__slug="pact").values_list("kind__value", flat=True)
    )
    assert values() == ["consultation", "non_aggression"]
    path.write_text("slug,commitments\npact,defence;consultation\n", encoding="utf-8")
    assert import_file(path, "treaty").ok
    assert values() == ["consultation", "defence"]
    path.write_text("slug,commitments\npact,nonsense\n", encoding="utf-8")
    report = import_file(path, "treaty")
    assert not report.ok and "Unknown commitment" in str(report.errors[0])
    assert values() == ["consultation", "defence"]


@pytest.mark.parametrize("key", ["defen\x00ce", "\ud800", 7])
@pytest.mark.parametrize("field", ["kind", "source"])
def test_a_commitment_key_no_record_can_hold_is_a_400_not_a_server_error(
    client, publisher, field, key
):
    """Found by schemathesis: a NUL or a lone surrogate in a kind was a 500 on PostgreSQL."""
    token_client(client, publisher)
    commitment = {"kind": "defence", field: key}
    body = {"slug": "s", "title": "T", "kind": "agreement", "commitments": [commitment]}
    response = client.post("/api/v1/treaties/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()["commitments"]["0"]


def test_a_consultation_pact_ranks_as_partnership_on_state_pages_and_home(client):
    """The state page and the home page rank a pact as the relations page does:
    a consultation-only "alliance" makes strategic partners, not allies."""
    us, kp = StateFactory(iso2="US", name="United States"), StateFactory(iso2="KP", name="Korea")
    pact = TreatyFactory(
        title="Consultation pact",
        kind=TreatyKind.ALLIANCE,
        signed_on=D(1976, 1, 1),
        parties=[us, kp],
    )
    Commitment.objects.create(treaty=pact, kind=kind("consultation"), quote="shall consult")
    page = client.get("/states/us/").content.decode()
    assert "Allies" not in page
    assert page.index("Strategic partners") < page.index("Korea")
    home = client.get("/").content.decode()
    strongest = home[home.index("strongest-heading") : home.index("latest-heading")]
    assert "Korea" in strongest and "Strategic partnership</a> since" in strongest
    assert "Alliance" not in strongest
    Commitment.objects.create(treaty=pact, kind=kind("defence"), quote="shall defend")
    page = client.get("/states/us/").content.decode()
    assert page.index("Allies") < page.index("Korea")
    home = client.get("/").content.decode()
    assert (
        "Alliance</a> since" in home[home.index("strongest-heading") : home.index("latest-heading")]
    )


def test_a_commitment_binds_only_parties_in_the_api(client, treaty, pair, editor):
    """Binding a state that is not a party, or taking away a party a
    commitment binds, is a 400 that says so; nothing changes."""
    StateFactory(iso2="KZ", name="Kazakhstan")
    api = token_client(client, editor)
    url = "/api/v1/treaties/allied-relations/"
    stranger = api.patch(
        url,
        {"commitments": [{"kind": "defence", "quote": "q", "parties_bound": ["kz"]}]},
        content_type=JSON,
    )
    assert stranger.status_code == 400
    assert "Kazakhstan is not a party" in str(stranger.json())
    treaty.commitments.first().parties_bound.set([pair[1]])
    dropped = api.patch(url, {"parties": [{"state": "az"}, {"state": "kz"}]}, content_type=JSON)
    assert dropped.status_code == 400
    assert "Uzbekistan is not a party" in str(dropped.json())
    assert sorted(treaty.parties.values_list("iso2", flat=True)) == ["AZ", "UZ"]


def test_a_commitment_binds_only_parties_in_the_admin(editor_client, treaty, pair):
    from tests.test_admin import form_fields

    StateFactory(iso2="KZ", name="Kazakhstan")
    url = f"/admin/diplomacy/treaty/{treaty.pk}/change/"
    data = form_fields(editor_client.get(url), "treaty_form")
    from diplomacy.models import State

    data["commitments-0-parties_bound"] = [str(State.objects.get(iso2="KZ").pk)]
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "Kazakhstan is not a party" in response.content.decode()
    assert not treaty.commitments.filter(parties_bound__iso2="KZ").exists()


@pytest.mark.parametrize(
    "total, message",
    [
        ("many", "(Hidden field TOTAL_FORMS) Enter a whole number."),
        ("99999999999", "Please submit at most 1000 forms."),
    ],
)
def test_a_malformed_count_of_party_rows_is_a_form_error_not_a_crash(
    editor_client, treaty, total, message
):
    """The commitment rows read the party rows of the same form: a tampered
    count of them is the management form's error, answered at once."""
    from tests.test_admin import form_fields

    url = f"/admin/diplomacy/treaty/{treaty.pk}/change/"
    data = form_fields(editor_client.get(url), "treaty_form")
    data["treatyparty_set-TOTAL_FORMS"] = total
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_party_row_with_a_huge_number_is_ignored_not_a_crash(editor_client, treaty):
    """A field named for row 10^5000 is no row of the form (Django's formset
    reads rows up to its count): the page answers, the treaty is kept."""
    from tests.test_admin import form_fields

    url = f"/admin/diplomacy/treaty/{treaty.pk}/change/"
    data = form_fields(editor_client.get(url), "treaty_form")
    data[f"treatyparty_set-{'9' * 5000}-state"] = "1"
    from urllib.parse import urlencode

    body = urlencode(data, doseq=True)
    response = editor_client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302)
