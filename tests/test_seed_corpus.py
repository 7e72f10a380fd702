"""The seed corpus (fixtures/seed.json): it loads, it is cited, and it says what the seeds say."""

import datetime
from decimal import Decimal
from pathlib import Path

import pycountry
import pytest
from django.conf import settings
from django.core.management import call_command

from diplomacy.choices import DatePrecision, RelationLevel, TreatyKind
from diplomacy.models import (
    CITED_MODELS,
    Commitment,
    Organization,
    Person,
    Project,
    Sector,
    Source,
    State,
    Treaty,
    TreatyParty,
    Visit,
)
from diplomacy.relations import partners_of, relation_between

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
# Each seed document and the slug of the source that holds it (public text
# names sources by title, not by the seed's file name).
SEED_FILES = {
    "000_10a6fc4ebb4cb505.txt": "allied-relations-commentary",
    "001_b102663e531a9bb8.txt": "alliance-relations-new-stage",
    "002_906becf287c9081a.txt": "treaty-more-than-formality",
    "003_f98cb42c1f79643e.txt": "friendship-rooted-in-history",
    "004_07307675f15e4262.txt": "uzbekistans-allies",
}


def seed_source(number: str) -> Source:
    """The source of seed document ``number`` ("000" to "004")."""
    (slug,) = [slug for name, slug in SEED_FILES.items() if name.startswith(f"{number}_")]
    return Source.objects.get(slug=slug)


ALLIED = "treaty-on-allied-relations-azerbaijan-uzbekistan-2024"
STATE_VISIT = "state-visit-aliyev-uzbekistan-2024"
# The documents signed during the August 2024 state visit besides the alliance treaty.
VISIT_DOCUMENTS = {
    "agreement-cultural-cooperation-az-uz-2024",
    "agreement-education-az-uz-2024",
    "agreement-labour-rights-az-uz-2024",
    "agreement-judicial-expertise-az-uz-2024",
    "programme-foreign-ministries-az-uz-2024",
    "document-asan-service-uzbekistan-2024",
    "socar-uzbekneftegaz-cooperation-2024",
    "twin-cities-tashkent-baku-2024",
    "twin-cities-shahrisabz-beylagan-2024",
    "twin-cities-jizzakh-guba-2024",
}
ALL_MODELS = (*CITED_MODELS, *CITED_MODELS.values(), Source, Sector, TreatyParty, Commitment)


def load_seed():
    call_command("loaddata", "seed", verbosity=0)


@pytest.fixture
def corpus(db):
    load_seed()


def counts():
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def state(iso2):
    return State.objects.get(iso2=iso2)


# --- loading --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_corpus_loads_with_every_kind_of_record(corpus):
    n = counts()
    assert n["Source"] == 5
    assert n["State"] >= 12
    assert n["Treaty"] >= 19 and n["TreatyParty"] >= 2 * n["Treaty"]
    assert n["Visit"] >= 2 and n["Project"] >= 12
    assert n["Person"] >= 7 and n["Organization"] >= 10 and n["Sector"] >= 15


@pytest.mark.django_db
def test_loading_it_a_second_time_changes_no_counts(corpus):
    first = counts()
    load_seed()
    assert counts() == first


@pytest.mark.django_db
def test_it_loads_over_the_iso_country_list_without_duplicating_states():
    call_command("load_countries", verbosity=0)
    countries = State.objects.count()
    assert countries == len(pycountry.countries)
    load_seed()
    assert State.objects.count() == countries
    uz = state("UZ")
    # The fixture's curated fields win over the bare ISO data.
    assert (uz.capital, uz.region, uz.iso3) == ("Tashkent", "Central Asia", "UZB")
    assert uz.citations.exists()
    before = counts()
    call_command("load_countries", verbosity=0)
    load_seed()
    assert counts() == before
    assert state("UZ").capital == "Tashkent"


@pytest.mark.django_db
def test_the_country_list_after_the_corpus_adds_only_the_missing_states(corpus):
    seeded = set(State.objects.values_list("iso2", flat=True))
    call_command("load_countries", verbosity=0)
    assert State.objects.count() == len(pycountry.countries)
    assert seeded <= set(State.objects.values_list("iso2", flat=True))
    assert state("TR").name == "Türkiye" and state("RU").capital == "Moscow"


# --- citations ------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_record_cites_at_least_one_seed_document(corpus):
    for model in (Treaty, Visit, Project, Person, Organization, State):
        uncited = model.objects.filter(citations__isnull=True)
        assert not uncited.exists(), f"{model.__name__} without a citation: {list(uncited)}"


@pytest.mark.django_db
def test_every_quote_is_verbatim_in_its_source(corpus):
    quotes = 0
    for citation_model in CITED_MODELS.values():
        for citation in citation_model.objects.select_related("source"):
            assert citation.quote.strip(), citation
            assert citation.quote in citation.source.text, (citation.record, citation.quote)
            quotes += 1
    assert quotes >= 90


@pytest.mark.django_db
def test_every_commitment_quote_is_verbatim_in_its_source(corpus):
    commitments = Commitment.objects.select_related("source", "treaty", "kind")
    for commitment in commitments:
        assert commitment.quote.strip() and commitment.source, commitment
        assert commitment.quote in commitment.source.text, (commitment.treaty, commitment.quote)
    by_treaty = {}
    for commitment in commitments:
        by_treaty.setdefault(commitment.treaty.slug, set()).add(commitment.kind.value)
    # Seed 001: what the Azerbaijan-Uzbekistan treaty provides for.
    assert by_treaty[ALLIED] == {
        "political_support", "economic_cooperation", "transport_cooperation",
        "energy_cooperation", "cultural_cooperation", "education_cooperation",
    }  # fmt: skip
    # Seed 004: Uzbekistan and Kazakhstan.
    assert by_treaty["alliance-uzbekistan-kazakhstan-2022"] == {
        "security_cooperation", "no_hostile_alignment",
    }  # fmt: skip


@pytest.mark.django_db
def test_everything_is_published_and_dates_are_normalised_to_their_precision(corpus):
    for model in (Source, Sector, *CITED_MODELS):
        assert not model.objects.filter(is_published=False).exists(), model.__name__
    for model in (Source, State, Treaty, Visit, Project, TreatyParty):
        for record in model.objects.all():
            for field in model.partial_dates:
                value = record.partial(field)
                if value is None:
                    continue
                if value.precision == DatePrecision.MONTH:
                    assert value.date.day == 1, (record, field)
                if value.precision == DatePrecision.YEAR:
                    assert (value.date.month, value.date.day) == (1, 1), (record, field)


# --- sources --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_five_seed_documents_are_sources_holding_their_text(corpus):
    sources = {name: Source.objects.get(slug=slug) for name, slug in SEED_FILES.items()}
    assert len({s.pk for s in sources.values()}) == 5
    assert all(s.language == "en" and s.text for s in sources.values())
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is not beside the project")
    for name, source in sources.items():
        lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
        paragraph = max(lines, key=len).strip()
        assert len(paragraph) > 200
        assert paragraph in source.text, name


@pytest.mark.django_db
def test_sources_carry_what_the_documents_say_about_themselves(corpus):
    report = seed_source("002")
    assert report.published.iso == "2024-08-23"
    caspian = seed_source("003")
    assert caspian.title.startswith("Uzbekistan, Azerbaijan Friendship: Rooted in History")
    assert "The Caspian Post" in caspian.publisher and "UzA" in caspian.publisher
    assert "president.uz" in caspian.notes
    assert seed_source("004").author == "Kamoliddin Rabbimov"
    assert "123ru.net" in seed_source("001").publisher
    # No invented addresses.
    assert not Source.objects.exclude(url="").exists()


# --- relations ------------------------------------------------------------------------


@pytest.mark.django_db
def test_azerbaijan_and_uzbekistan_are_allies_since_23_august_2024(corpus):
    az, uz = state("AZ"), state("UZ")
    relation = relation_between(az, uz)
    assert relation.level == RelationLevel.ALLIANCE
    assert relation.reached.date == datetime.date(2024, 8, 23)
    assert relation.reached.precision == DatePrecision.DAY
    assert relation.reached_by.slug == ALLIED
    assert relation_between(uz, az).reached_by.slug == ALLIED
    assert relation.visit_total == 2 and relation.treaty_total >= 12


@pytest.mark.django_db
def test_uzbekistans_allies_are_russia_kazakhstan_tajikistan_and_azerbaijan(corpus):
    allies = {
        p.state.iso2: (p.reached.iso, p.reached.precision)
        for p in partners_of(state("UZ"))
        if p.level == RelationLevel.ALLIANCE
    }
    assert allies == {
        "RU": ("2005-11-14", DatePrecision.DAY),
        "KZ": ("2022-12-22", DatePrecision.DAY),
        "TJ": ("2024-02", DatePrecision.MONTH),
        "AZ": ("2024-08-23", DatePrecision.DAY),
    }
    assert Treaty.objects.get(slug="alliance-uzbekistan-russia-2005").place_signed == "Moscow"


@pytest.mark.django_db
def test_azerbaijans_central_asian_partners(corpus):
    partners = {p.state.iso2: p for p in partners_of(state("AZ"))}
    assert partners["KZ"].level == RelationLevel.ALLIANCE
    assert partners["KZ"].reached.iso == "2022-08-24"
    assert partners["KZ"].treaty.title.startswith("Declaration on Strengthening Strategic")
    for iso2, signed in (("TM", "2017-08-08"), ("KG", "2022-04-20"), ("TJ", "2024-05-23")):
        assert partners[iso2].level == RelationLevel.STRATEGIC_PARTNERSHIP, iso2
        assert partners[iso2].reached.iso == signed, iso2
    assert relation_between(state("AZ"), state("TM")).level == RelationLevel.STRATEGIC_PARTNERSHIP


@pytest.mark.django_db
def test_diplomatic_relations_of_2_october_1995_are_recorded(corpus):
    treaty = Treaty.objects.get(kind=TreatyKind.DIPLOMATIC_RELATIONS)
    assert treaty.signed.iso == "1995-10-02"
    assert set(treaty.parties.values_list("iso2", flat=True)) == {"AZ", "UZ"}


# --- the 2024 state visit ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_alliance_treaty_records_both_titles_and_its_signatories(corpus):
    treaty = Treaty.objects.get(slug=ALLIED)
    assert treaty.kind == TreatyKind.ALLIANCE and treaty.status == "signed"
    assert treaty.visit.slug == STATE_VISIT
    assert "Agreement on Allied Relations" in treaty.notes
    assert "Treaty on Allied Relations" in treaty.notes
    assert set(treaty.signatories.values_list("slug", flat=True)) == {
        "ilham-aliyev",
        "shavkat-mirziyoyev",
    }
    cited = set(treaty.citations.values_list("source__slug", flat=True))
    assert {SEED_FILES["000_10a6fc4ebb4cb505.txt"], SEED_FILES["001_b102663e531a9bb8.txt"]} <= cited


@pytest.mark.django_db
def test_the_documents_of_the_2024_state_visit_are_linked_to_it(corpus):
    visit = Visit.objects.get(slug=STATE_VISIT)
    assert (visit.host.iso2, visit.guest.iso2, visit.kind) == ("UZ", "AZ", "state")
    assert visit.start.iso == "2024-08-23"
    assert "Supreme Interstate Council" in visit.summary
    signed = set(visit.treaties.values_list("slug", flat=True))
    assert signed == VISIT_DOCUMENTS | {ALLIED}
    for treaty in visit.treaties.all():
        assert (treaty.signed.year, treaty.signed.date.month) == (2024, 8), treaty
        assert set(treaty.parties.values_list("iso2", flat=True)) == {"AZ", "UZ"}, treaty
    energy = Treaty.objects.get(slug="socar-uzbekneftegaz-cooperation-2024")
    assert set(energy.organizations.values_list("slug", flat=True)) == {"socar", "uzbekneftegaz"}


@pytest.mark.django_db
def test_the_2_billion_portfolio_is_stored_as_a_number_with_its_note(corpus):
    portfolio = Project.objects.get(value_amount__isnull=False)
    assert portfolio.value_amount == Decimal("2000000000.00")
    assert portfolio.value_currency == "USD"
    assert "over $2 billion" in portfolio.value_note
    assert portfolio.visit.slug == STATE_VISIT
    assert set(portfolio.sectors.values_list("slug", flat=True)) == {
        "energy",
        "chemicals",
        "mining",
        "textiles",
        "agriculture",
    }


@pytest.mark.django_db
def test_projects_keep_the_precision_the_sources_give(corpus):
    school = Project.objects.get(slug="mirzo-ulugbek-school-fuzuli")
    assert (school.completion.iso, school.status) == ("2023-08", "completed")
    assert "960" in school.description
    cited = set(school.citations.values_list("source__slug", flat=True))
    assert {SEED_FILES["000_10a6fc4ebb4cb505.txt"], SEED_FILES["003_f98cb42c1f79643e.txt"]} <= cited
    embassies = Project.objects.get(slug="embassies-tashkent-baku-1997-1998")
    assert (embassies.start.iso, embassies.completion.iso) == ("1997", "1998")
    uz = state("UZ")
    assert uz.independence.iso == "1991" and uz.independence.precision == DatePrecision.YEAR
    delegation = Visit.objects.get(kind="delegation")
    assert (delegation.host.iso2, delegation.guest.iso2) == ("AZ", "UZ")
    assert delegation.start.iso == "2024" and "recently" in delegation.notes
