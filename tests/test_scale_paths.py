"""The shortcuts that keep pages constant-time at a million rows (issue 6) must
never change what a reader sees: copies of treaty data in the party table,
cached counts and choice lists, record URLs built without the resolver."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diplomacy.caching import same_version
from diplomacy.models import Project, ProjectState, Sector, Treaty, TreatyParty
from diplomacy.urlpaths import record_url, relations_url
from tests.factories import ProjectFactory, SectorFactory, StateFactory, TreatyFactory

pytestmark = pytest.mark.django_db


def party_copies(treaty):
    return set(
        TreatyParty.objects.filter(treaty=treaty).values_list(
            "treaty_signed_on", "treaty_is_published"
        )
    )


def test_party_rows_copy_their_treaty_on_every_write_path():
    az, uz = StateFactory(iso2="AZ"), StateFactory(iso2="UZ")
    treaty = TreatyFactory(is_published=False, parties=[az, uz])
    assert party_copies(treaty) == {(datetime.date(2020, 5, 17), False)}

    # A bulk update sends no signals: the database keeps the copies right anyway.
    Treaty.objects.filter(pk=treaty.pk).update(is_published=True)
    assert party_copies(treaty) == {(datetime.date(2020, 5, 17), True)}

    treaty.refresh_from_db()
    treaty.signed_on = datetime.date(2024, 8, 23)
    treaty.save()
    assert party_copies(treaty) == {(datetime.date(2024, 8, 23), True)}

    treaty.signed_on = None
    treaty.save(update_fields=["signed_on"])
    assert party_copies(treaty) == {(None, True)}

    # Moving a party row to another treaty takes that treaty's values.
    other = TreatyFactory(is_published=False, signed_on=datetime.date(1999, 1, 1))
    TreatyParty.objects.filter(treaty=treaty, state=az).update(treaty=other)
    assert party_copies(other) == {(datetime.date(1999, 1, 1), False)}


def test_state_page_lists_latest_treaties_first_and_never_a_draft(client):
    az, uz = StateFactory(iso2="AZ", name="Azerbaijan"), StateFactory(iso2="UZ")
    old = TreatyFactory(title="Old accord", signed_on=datetime.date(1995, 1, 1), parties=[az, uz])
    new = TreatyFactory(title="New accord", signed_on=datetime.date(2024, 1, 1), parties=[az, uz])
    undated = TreatyFactory(title="Undated accord", signed_on=None)
    TreatyParty.objects.create(treaty=undated, state=az)
    draft = TreatyFactory(title="Secret draft", is_published=False, parties=[az, uz])

    html = client.get("/states/az/").content.decode()
    assert draft.title not in html
    positions = [html.index(t.title) for t in (new, old, undated)]
    assert positions == sorted(positions), "newest first, undated last"

    # Published later (as the admin does): it shows at once, in its place by date.
    draft.is_published = True
    draft.save()
    html = client.get("/states/az/").content.decode()
    assert html.index("Secret draft") < html.index("Old accord")


def test_list_by_commitment_follows_its_treaties_dates_and_publication(client, editor):
    """The list filtered by a commitment kind reads the commitment rows' copies
    of their treaty's date and publication: every write path keeps them right,
    and the list shows what the treaties say, in the list's order."""
    from rest_framework.authtoken.models import Token

    from diplomacy.caching import data_changed
    from diplomacy.models import Commitment, CommitmentKind

    defence = CommitmentKind.objects.get(value="defence")
    made = {}
    for title, signed, published in [
        ("Old pact", datetime.date(1995, 1, 1), True),
        ("New pact", datetime.date(2024, 1, 1), True),
        ("Undated pact", None, True),
        ("Twice pact", datetime.date(2000, 1, 1), True),
        ("Secret pact", datetime.date(2010, 1, 1), False),
    ]:
        made[title] = TreatyFactory(title=title, signed_on=signed, is_published=published)
        Commitment.objects.create(treaty=made[title], kind=defence, article="Article 1")
    # A treaty with the kind twice is listed once.
    Commitment.objects.create(treaty=made["Twice pact"], kind=defence, article="Article 9")
    trade = TreatyFactory(title="Trade accord", signed_on=datetime.date(2005, 1, 1))

    def api_titles(query="commitment=defence", api=client):
        response = api.get(f"/api/v1/treaties/?{query}")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] == len(body["results"])
        return [row["title"] for row in body["results"]]

    def page_titles(query="commitment=defence"):
        html = client.get(f"/treaties/?{query}").content.decode()
        shown = [t for t in [*made, "Trade accord"] if t in html]
        return sorted(shown, key=html.index)

    newest_first = ["New pact", "Twice pact", "Old pact", "Undated pact"]
    assert api_titles() == page_titles() == newest_first, "newest first, undated last"
    assert api_titles("commitment=defence&ordering=title") == sorted(newest_first)
    oldest_first = ["Old pact", "Twice pact", "New pact", "Undated pact"]
    assert api_titles("commitment=defence&ordering=signed_on") == oldest_first
    assert page_titles("commitment=defence&ordering=signed_on") == oldest_first
    # Walked by cursor, a page at a time, the list is the same.
    walked, url = [], "/api/v1/treaties/?commitment=defence&page_size=1"
    while url:
        body = client.get(url).json()
        walked += [row["title"] for row in body["results"]]
        url = body["next"]
    assert walked == newest_first
    # Searched, or sorted otherwise, a rare kind's treaties are named by key: the same rows.
    searched = "commitment=defence&q=twice"
    assert api_titles(searched) == page_titles(searched) == ["Twice pact"]
    assert api_titles("commitment=defence&q=trade") == []

    # Published and re-dated as the admin saves a record: in its new place at once.
    secret = made["Secret pact"]
    secret.is_published = True
    secret.save()
    assert page_titles()[:3] == ["New pact", "Secret pact", "Twice pact"]
    made["Old pact"].signed_on = datetime.date(2030, 1, 1)
    made["Old pact"].save()
    assert api_titles()[:2] == ["Old pact", "New pact"]

    # A bulk update (an import's) sends no signals: the database keeps the copies right.
    Treaty.objects.filter(pk=made["Undated pact"].pk).update(signed_on=datetime.date(2027, 1, 1))
    Treaty.objects.filter(pk=made["New pact"].pk).update(is_published=False)
    data_changed()
    expected = ["Old pact", "Undated pact", "Secret pact", "Twice pact"]
    assert api_titles() == page_titles() == expected
    # An editor's API list holds the draft too, in its place.
    Token.objects.create(user=editor, key="e" * 40)
    client.defaults["HTTP_AUTHORIZATION"] = "Token " + "e" * 40
    assert api_titles() == ["Old pact", "Undated pact", "New pact", "Secret pact", "Twice pact"]
    assert api_titles("commitment=defence&q=new") == ["New pact"]
    del client.defaults["HTTP_AUTHORIZATION"]
    assert api_titles("commitment=defence&q=new") == []

    # A commitment moved to another treaty, or removed, takes the list with it.
    Commitment.objects.filter(treaty=made["Old pact"]).update(treaty=trade)
    Commitment.objects.filter(treaty=made["Twice pact"], article="Article 1").delete()
    data_changed()
    assert (
        api_titles()
        == page_titles()
        == ["Undated pact", "Secret pact", "Trade accord", "Twice pact"]
    )


def test_imported_commitments_are_listed_by_kind_newest_first(tmp_path, client):
    """An import writes its rows in bulk (COPY on PostgreSQL): the commitment
    rows' copies of their treaty's date are right all the same."""
    from django.contrib.auth import get_user_model

    from diplomacy.importing import import_file

    StateFactory(iso2="AZ")
    StateFactory(iso2="UZ")
    path = tmp_path / "treaties.csv"
    path.write_text(
        "slug,title,kind,signed_on,parties,commitments\n"
        "old-pact,Old imported pact,alliance,1999,AZ;UZ,defence\n"
        "new-pact,New imported pact,alliance,2021-05-04,AZ;UZ,defence;consultation\n"
        "undated-pact,Undated imported pact,alliance,,AZ;UZ,defence\n",
        encoding="utf-8",
    )
    user = get_user_model().objects.create_user("importer", password="x")
    report = import_file(path, "treaty", user=user, publish=True)
    assert report.ok and report.created == 3, report.summary()

    def titles(query):
        return [row["title"] for row in client.get(f"/api/v1/treaties/?{query}").json()["results"]]

    assert titles("commitment=defence") == [
        "New imported pact",
        "Old imported pact",
        "Undated imported pact",
    ]
    assert titles("commitment=consultation&commitment=defence") == ["New imported pact"]
    html = client.get("/treaties/?commitment=defence").content.decode()
    assert html.index("New imported pact") < html.index("Old imported pact")


def project_copies(project):
    return set(
        ProjectState.objects.filter(project=project).values_list(
            "project_start_on", "project_is_published"
        )
    )


def test_project_state_rows_copy_their_project_on_every_write_path():
    az, uz = StateFactory(iso2="AZ"), StateFactory(iso2="UZ")
    project = ProjectFactory(is_published=False, start_on=datetime.date(2022, 1, 1))
    project.states.set([az, uz])  # as the admin and the API write it
    assert project_copies(project) == {(datetime.date(2022, 1, 1), False)}

    Project.objects.filter(pk=project.pk).update(is_published=True)
    assert project_copies(project) == {(datetime.date(2022, 1, 1), True)}

    project.refresh_from_db()
    project.start_on = None
    project.save()
    assert project_copies(project) == {(None, True)}

    # Moving a link row to another project takes that project's values.
    other = ProjectFactory(is_published=False, start_on=datetime.date(1999, 1, 1))
    ProjectState.objects.filter(project=project, state=az).update(project=other)
    assert project_copies(other) == {(datetime.date(1999, 1, 1), False)}
    assert list(other.states.all()) == [az], "Django still reads the table as the link table"


def test_state_page_lists_latest_projects_first_and_never_a_draft(client):
    az = StateFactory(iso2="AZ", name="Azerbaijan")
    made = {}
    for name, start, published in [
        ("Old pipeline", datetime.date(1999, 1, 1), True),
        ("New railway", datetime.date(2024, 1, 1), True),
        ("Undated school", None, True),
        ("Secret dam", datetime.date(2023, 1, 1), False),
    ]:
        made[name] = ProjectFactory(name=name, start_on=start, is_published=published)
        made[name].states.add(az)
    ProjectFactory(name="Elsewhere bridge")  # no states: not on the page

    html = client.get("/states/az/").content.decode()
    assert "Secret dam" not in html and "Elsewhere bridge" not in html
    positions = [html.index(name) for name in ("New railway", "Old pipeline", "Undated school")]
    assert positions == sorted(positions), "newest first, undated last"

    made["Secret dam"].is_published = True
    made["Secret dam"].save()
    html = client.get("/states/az/").content.decode()
    assert html.index("New railway") < html.index("Secret dam") < html.index("Old pipeline")

    # Unpublished again, or removed from the state: gone at once.
    made["New railway"].states.remove(az)
    Project.objects.filter(pk=made["Old pipeline"].pk).update(is_published=False)
    html = client.get("/states/az/").content.decode()
    assert "New railway" not in html and "Old pipeline" not in html


def test_filtered_count_is_counted_once_and_an_edit_updates_it_at_once(client):
    az, uz = StateFactory(iso2="AZ"), StateFactory(iso2="UZ")
    for _ in range(3):
        TreatyFactory(parties=[az, uz])
    url = "/treaties/?party=az&party=uz"
    first = client.get(url)
    assert "3 treaties" in first.content.decode()
    with CaptureQueriesContext(connection) as again:
        second = client.get(url + "&page=1")
    assert "3 treaties" in second.content.decode()
    assert not any("COUNT(" in q["sql"].upper() for q in again.captured_queries)

    TreatyFactory(parties=[az, uz])
    assert "4 treaties" in client.get(url).content.decode()


def test_filter_choices_follow_an_edit_at_once(client):
    sector = SectorFactory(name="Energy", slug="energy")
    assert ">Energy</option>" in client.get("/treaties/").content.decode()
    sector.name = "Energy and mining"
    sector.save()
    html = client.get("/treaties/").content.decode()
    assert ">Energy and mining</option>" in html
    Sector.objects.filter(pk=sector.pk).delete()
    assert "Energy and mining" not in client.get("/treaties/").content.decode()


def test_selected_options_are_marked_without_leaking_into_later_requests(client):
    StateFactory(iso2="AZ", name="Azerbaijan")
    StateFactory(iso2="UZ", name="Uzbekistan")
    html = client.get("/treaties/?party=az").content.decode()
    assert re.search(r'<input[^>]*name="party"[^>]*value="Azerbaijan"', html)
    html = client.get("/treaties/").content.decode()
    assert '<option value="Azerbaijan">AZ</option>' in html
    assert not re.search(r'<input[^>]*name="party"[^>]*value="[^"]', html)


@pytest.mark.parametrize(
    ("name", "kwarg", "key"),
    [
        ("treaty-detail", "slug", "treaty-on-allied-relations-2024"),
        ("state-detail", "iso2", "uz"),
        ("visit-detail", "slug", "a_b-1"),
        # API routes, one of which takes exactly two letters.
        ("api:state-detail", "iso2", "uz"),
        ("api:treaty-detail", "slug", "treaty-on-allied-relations-2024"),
        ("api:sector-detail", "slug", "energy"),
    ],
)
def test_record_urls_equal_the_resolvers(name, kwarg, key):
    assert record_url(name, kwarg, key) == reverse(name, kwargs={kwarg: key})


@pytest.mark.parametrize(("a", "b"), [("az", "uz"), ("uz", "az"), ("a b", "uz")])
def test_relations_urls_equal_the_resolvers(a, b):
    assert relations_url(a, b) == reverse("relations-detail", kwargs={"a": a, "b": b})


def test_state_page_short_lists_show_what_they_did_and_no_draft(client):
    """The state page's lists read only the columns they show (for_items)."""
    from tests.factories import VisitFactory

    az, uz = StateFactory(iso2="AZ", name="Azerbaijan"), StateFactory(iso2="UZ", name="Uzbekistan")
    VisitFactory(title="State visit to Baku", host=az, guest=uz)
    VisitFactory(title="Secret visit", host=az, guest=uz, is_published=False)
    VisitFactory(title="Visit to Tashkent", host=uz, guest=az, start_on=datetime.date(2019, 5, 2))
    html = client.get("/states/az/").content.decode()
    hosted, made = html.split("Visits made")[0], html.split("Visits made")[1]
    assert "State visit to Baku" in hosted and "Uzbekistan → Azerbaijan" in hosted
    assert "Visit to Tashkent" in made and '<time datetime="2019-05-02">' in made
    assert "Secret visit" not in html


def test_keys_outside_the_fast_path_go_through_the_resolver():
    # A state code route takes any string: the resolver quotes what needs quoting.
    assert record_url("state-detail", "iso2", "a b") == reverse(
        "state-detail", kwargs={"iso2": "a b"}
    )
    assert record_url("state-detail", "iso2", "a b").endswith("/a%20b/")


def _tables_queried(queries) -> list[str]:
    """The table each query reads (its outermost FROM), so EXISTS probes in
    the select list don't count."""
    tables = []
    for query in queries:
        sql, depth = query["sql"], 0
        for position, char in enumerate(sql):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and sql.startswith(" FROM ", position):
                tables.append(sql[position + 6 :].split()[0].strip('"'))
                break
    return tables


def test_detail_page_runs_no_query_for_a_related_list_it_does_not_have(client):
    az, uz = StateFactory(iso2="AZ"), StateFactory(iso2="UZ")
    bare = TreatyFactory(title="Bare accord", parties=[az, uz])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(bare.get_absolute_url()).status_code == 200
    tables = _tables_queried(queries.captured_queries)
    for table in (
        "diplomacy_person",
        "diplomacy_organization",
        "diplomacy_treatycitation",
        "diplomacy_treatyrelation",
        "diplomacy_project",
    ):
        assert table not in tables, f"an empty list was queried: {table}"


def test_sparse_lists_hold_their_published_rows_per_record_and_never_a_draft(client):
    from diplomacy.models import TreatyRelation
    from tests.factories import OrganizationFactory, PersonFactory

    az, uz = StateFactory(iso2="AZ"), StateFactory(iso2="UZ")
    rich = TreatyFactory(title="Rich accord", parties=[az, uz])
    bare = TreatyFactory(title="Bare accord", parties=[az, uz])
    draft_only = TreatyFactory(title="Draft-linked accord", parties=[az, uz])
    rich.signatories.add(PersonFactory(name="Shown signer", state=az))
    rich.organizations.add(OrganizationFactory(name="Shown body"))
    TreatyRelation.objects.create(from_treaty=rich, to_treaty=bare, kind="amends")
    draft_only.signatories.add(PersonFactory(name="Hidden signer", is_published=False, state=az))
    secret = TreatyFactory(title="Secret accord", is_published=False)
    TreatyRelation.objects.create(from_treaty=draft_only, to_treaty=secret, kind="amends")

    with CaptureQueriesContext(connection) as queries:
        records = {
            t.title: t
            for t in Treaty.objects.filter(pk__in=[rich.pk, bare.pk, draft_only.pk]).for_detail()
        }
    # One query per list that some record has, for all records at once.
    assert _tables_queried(queries.captured_queries).count("diplomacy_person") == 1
    assert [p.name for p in records["Rich accord"].signatory_list] == ["Shown signer"]
    assert [o.name for o in records["Rich accord"].organization_list] == ["Shown body"]
    assert [r.to_treaty for r in records["Rich accord"].relations_from_list] == [bare]
    assert [r.from_treaty for r in records["Bare accord"].relations_to_list] == [rich]
    assert records["Bare accord"].signatory_list == []
    assert records["Draft-linked accord"].signatory_list == []
    assert records["Draft-linked accord"].relations_from_list == []

    html = client.get(draft_only.get_absolute_url()).content.decode()
    assert "Hidden signer" not in html and "Secret accord" not in html
    html = client.get(rich.get_absolute_url()).content.decode()
    assert "Shown signer" in html and "Shown body" in html and "Bare accord" in html


def test_sparse_prefetch_needs_a_named_list():
    from django.db.models import Prefetch

    with pytest.raises(ValueError, match="to_attr"):
        Treaty.objects.prefetch_sparse(Prefetch("signatories"))


def _row_of(html: str, title: str) -> str:
    return html.split(title, 1)[1].split("</tr>", 1)[0]


def test_list_rows_name_published_parties_and_sectors_by_name_and_never_a_draft(client):
    """List rows read parties and sectors as id pairs resolved through cached
    maps of the published states and sectors (``PublishedLinks``)."""
    zz = StateFactory(iso2="ZZ", name="Zedland")
    az = StateFactory(iso2="AZ", name="Azerbaijan")
    hidden = StateFactory(iso2="XX", name="Hiddenland", is_published=False)
    energy = SectorFactory(name="Energy", slug="energy")
    culture = SectorFactory(name="Culture", slug="culture")
    secret = SectorFactory(name="Secret sector", slug="secret", is_published=False)
    treaty = TreatyFactory(title="Pact of three", parties=[zz, hidden, az])
    treaty.sectors.set([energy, secret, culture])
    TreatyFactory(title="Pact of none", parties=[])

    html = client.get("/treaties/").content.decode()
    row = _row_of(html, "Pact of three")
    assert '<a href="/states/az/">Azerbaijan</a>, <a href="/states/zz/">Zedland</a>' in row
    assert row.index("Culture") < row.index("Energy")
    assert "Hiddenland" not in html and "Secret sector" not in html
    assert "—" in _row_of(html, "Pact of none")

    # The state page's short lists name the parties the same way.
    assert "Azerbaijan, Zedland" in client.get("/states/az/").content.decode()


def test_list_rows_follow_an_edit_of_a_state_or_sector_at_once(client):
    az, uz = StateFactory(iso2="AZ", name="Azerbaijan"), StateFactory(iso2="UZ", name="Uzbekistan")
    energy = SectorFactory(name="Energy", slug="energy")
    treaty = TreatyFactory(title="Pact", parties=[az, uz])
    treaty.sectors.set([energy])
    assert "Uzbekistan" in client.get("/treaties/").content.decode()

    uz.name = "Republic of Uzbekistan"
    uz.save()
    energy.is_published = False
    energy.save()
    html = client.get("/treaties/").content.decode()
    assert 'Azerbaijan</a>, <a href="/states/uz/">Republic of Uzbekistan' in html
    assert '<span class="tag">Energy</span>' not in html


def test_links_survive_chaining_and_are_read_in_one_query(django_assert_num_queries):
    az, uz = StateFactory(iso2="AZ", name="Azerbaijan"), StateFactory(iso2="UZ", name="Uzbekistan")
    energy = SectorFactory(name="Energy", slug="energy")
    for n in range(30):
        treaty = TreatyFactory(title=f"Pact {n}", parties=[uz, az] if n % 2 else [az])
        if n % 3 == 0:
            treaty.sectors.add(energy)
    # As a list page chains them: the list's queryset, the filters, the rows' own.
    queryset = (
        Treaty.objects.for_list().filter(title__startswith="Pact").for_table().order_by("pk")[:25]
    )
    with same_version():  # the data version read once, as in a request
        Treaty.objects.for_table().first()  # the cached maps of states and sectors, once
        with django_assert_num_queries(2):  # the rows; their party and sector links together
            rows = list(queryset)
    assert len(rows) == 25
    for n, row in enumerate(rows):
        expected = ["Azerbaijan", "Uzbekistan"] if n % 2 else ["Azerbaijan"]
        assert [s.name for s in row.party_states] == expected
        assert row.sector_list == ([energy] if n % 3 == 0 else [])


def test_party_rows_and_sectors_are_read_in_one_query(django_assert_num_queries):
    """A treaty's party rows (with their ratification) and its sectors come in
    one round trip, as the API's lists, record pages and exports read them."""

    az, uz = StateFactory(iso2="AZ", name="Azerbaijan"), StateFactory(iso2="UZ", name="Uzbekistan")
    hidden = StateFactory(iso2="ZZ", name="Zedland", is_published=False)
    energy = SectorFactory(name="Energy", slug="energy")
    for n in range(12):
        treaty = TreatyFactory(title=f"Pact {n}", parties=[uz, az, hidden] if n % 2 else [az])
        TreatyParty.objects.filter(treaty=treaty, state=az).update(
            ratified_on=datetime.date(2001, 2, 3 + n), note=f"note {n}"
        )
        if n % 3 == 0:
            treaty.sectors.add(energy)
    queryset = Treaty.objects.for_list().filter(title__startswith="Pact").order_by("pk")
    with same_version():  # the data version read once, as in a request
        list(Treaty.objects.for_list()[:1])  # the cached maps of states and sectors, once
        with django_assert_num_queries(2):  # the rows; their party rows and sectors together
            rows = list(queryset)
    assert len(rows) == 12
    for n, row in enumerate(rows):
        parties = row.party_rows
        assert [p.state.name for p in parties] == (
            ["Azerbaijan", "Uzbekistan"] if n % 2 else ["Azerbaijan"]
        )  # the unpublished state's row left out, the map's order kept
        first = parties[0]
        assert (first.ratified_on, first.note) == (datetime.date(2001, 2, 3 + n), f"note {n}")
        assert first.treaty is row and first.treaty_id == row.pk
        assert first.pk == TreatyParty.objects.get(treaty=row, state=az).pk
        assert row.sector_list == ([energy] if n % 3 == 0 else [])


def test_treaty_page_and_api_read_identifiers_and_sectors_as_attached(client):
    """Identifiers are a sparse list (no query when a treaty has none) and the
    sectors come from the published map, on the page and in the API alike."""
    from diplomacy.models import TreatyIdentifier

    az, uz = StateFactory(iso2="AZ", name="Azerbaijan"), StateFactory(iso2="UZ", name="Uzbekistan")
    energy = SectorFactory(name="Energy", slug="energy")
    draft = SectorFactory(name="Draft sector", slug="draft-sector", is_published=False)
    treaty = TreatyFactory(title="Registered pact", parties=[az, uz])
    treaty.sectors.set([energy, draft])
    TreatyIdentifier.objects.create(treaty=treaty, scheme="unts", value="I-12345")
    bare = TreatyFactory(title="Unregistered pact", parties=[az, uz])

    html = client.get(treaty.get_absolute_url()).content.decode()
    assert "I-12345" in html and "Energy" in html and "Draft sector" not in html
    data = client.get(f"/api/v1/treaties/{treaty.slug}/").json()
    assert [i["value"] for i in data["identifiers"]] == ["I-12345"]
    assert [s["slug"] for s in data["sectors"]] == ["energy"]
    listed = client.get("/api/v1/treaties/").json()["results"]
    assert {row["slug"]: [s["slug"] for s in row["sectors"]] for row in listed} == {
        treaty.slug: ["energy"],
        bare.slug: [],
    }

    with CaptureQueriesContext(connection) as queries:
        assert "In other registers" not in client.get(bare.get_absolute_url()).content.decode()
    assert "diplomacy_treatyidentifier" not in _tables_queried(queries.captured_queries)


def test_record_pages_and_the_api_show_an_edit_at_once_and_drafts_to_staff_only(editor_client):
    from django.test import Client

    client = Client()  # the public, next to a logged-in editor
    az, uz = StateFactory(iso2="AZ"), StateFactory(iso2="UZ")
    treaty = TreatyFactory(title="First title", parties=[az, uz])
    draft = TreatyFactory(title="Draft pact", parties=[az, uz], is_published=False)
    assert "First title" in client.get(treaty.get_absolute_url()).content.decode()
    assert client.get(f"/api/v1/treaties/{treaty.slug}/").json()["title"] == "First title"

    treaty.title = "Second title"
    treaty.save()
    assert "Second title" in client.get(treaty.get_absolute_url()).content.decode()
    assert client.get(f"/api/v1/treaties/{treaty.slug}/").json()["title"] == "Second title"
    # Drafts: the public's queryset never holds them; staff preview through their own.
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/treaties/{draft.slug}/").status_code == 404
    assert "Draft pact" in editor_client.get(draft.get_absolute_url()).content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404  # still, after the preview


def test_deep_pages_read_ids_first_and_show_the_same_rows(client, settings, monkeypatch):
    """Past DEFERRED_JOIN_OFFSET a page reads its ids alone, then those rows:
    the same rows in the same order as a plain OFFSET."""
    settings.PAGE_CACHE_SECONDS = 0  # both requests must reach the view
    az, uz = StateFactory(iso2="AZ", name="Azerbaijan"), StateFactory(iso2="UZ", name="Uzbekistan")
    for n in range(60):
        TreatyFactory(
            title=f"Pact {n:02d}",
            parties=[az, uz],
            signed_on=datetime.date(2000 + n % 20, 1 + n % 12, 1),
        )
    shallow = client.get("/treaties/?page=2").content.decode()
    monkeypatch.setattr("diplomacy.pagination.DEFERRED_JOIN_OFFSET", 25)  # page 2 is "deep" now
    with CaptureQueriesContext(connection) as queries:
        deep = client.get("/treaties/?page=2").content.decode()
    assert deep == shallow
    assert any(
        q["sql"].startswith('SELECT "diplomacy_treaty"."id" AS "pk" FROM')
        for q in queries.captured_queries
    )


def test_a_record_pages_lists_hold_its_published_rows_each_read_once(editor):
    """A record page's record comes with its parties, sectors, citations and
    other lists, drafts left out of the public's, a draft record for staff
    only, and a missing slug is None (a 404), not an error."""
    from diplomacy.visibility import detail_record
    from tests.helpers import alliance, world

    w = world()
    treaty = alliance(w)
    treaty.sectors.add(w["energy"])
    treaty.citations.create(source=w["source"], quote="allied relations")
    bare = TreatyFactory(parties=[w["az"], w["kz"]])
    draft = TreatyFactory(is_published=False, parties=[w["az"], w["uz"]])
    later = TreatyFactory(parties=[w["az"], w["uz"]])
    plain = TreatyFactory(parties=[w["uz"], w["kz"]])
    treaty.identifiers.create(scheme="unts", value="I-54113")
    treaty.identifiers.create(scheme="wikidata", value="Q42")
    treaty.relations_from.create(to_treaty=bare, kind="amends")
    treaty.relations_from.create(to_treaty=draft, kind="amends")  # a draft: left out
    later.relations_from.create(to_treaty=treaty, kind="supersedes")
    ProjectFactory(treaty=treaty, name="Pipeline")
    ProjectFactory(treaty=treaty, name="Draft project", is_published=False)

    def lists(record):
        return {
            "parties": [p.state.iso2 for p in record.party_rows],
            "sectors": [s.slug for s in record.sector_list],
            "citations": [(c.quote, c.source.title) for c in record.citation_list],
            "identifiers": [(i.scheme, i.value) for i in record.identifier_list],
            "relations_from": [(r.kind, r.to_treaty.slug) for r in record.relations_from_list],
            "relations_to": [(r.kind, r.from_treaty.slug) for r in record.relations_to_list],
            "projects": [p.name for p in record.project_list],
        }

    assert lists(detail_record(None, Treaty, treaty.slug)) == {
        "parties": ["AZ", "UZ"],
        "sectors": ["energy"],
        "citations": [("allied relations", w["source"].title)],
        "identifiers": [("unts", "I-54113"), ("wikidata", "Q42")],
        "relations_from": [("amends", bare.slug)],
        "relations_to": [("supersedes", later.slug)],
        "projects": ["Pipeline"],
    }
    assert detail_record(None, Treaty, draft.slug) is None
    assert detail_record(None, Treaty, "no-such-treaty") is None
    assert detail_record(editor, Treaty, draft.slug) == draft

    with same_version():  # the data version read once, as in a request
        detail_record(None, Treaty, plain.slug)  # the cached maps of states and sectors, once
        with CaptureQueriesContext(connection) as queries:
            assert detail_record(None, Treaty, plain.slug) == plain
        # The record, then its party rows and sector links together: no query for an empty list.
        assert len(queries.captured_queries) == 2
        with CaptureQueriesContext(connection) as queries:
            record = detail_record(None, Treaty, treaty.slug)
            assert lists(record)["citations"]  # read with their sources: no query per citation
        # The record, its links, then one query per list it has: identifiers,
        # citations, relations from and to, projects.
        assert len(queries.captured_queries) == 7


def test_a_record_page_shows_an_edit_and_its_change_log_at_once(client):
    from tests.helpers import alliance, world

    treaty = alliance(world())
    assert "changed: title" not in client.get(treaty.get_absolute_url()).content.decode()
    treaty.title = "Treaty on Allied Relations (corrected)"
    treaty.save()
    html = client.get(treaty.get_absolute_url()).content.decode()
    assert "Treaty on Allied Relations (corrected)" in html
    assert "changed: title" in html
    assert client.get("/treaties/no-such-treaty/").status_code == 404
