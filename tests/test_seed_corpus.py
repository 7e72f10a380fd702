"""The seed corpus loads (twice, and over the ISO country list); every record cites a source."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from diplomacy.choices import DatePrecision, RelationLevel
from diplomacy.models import (
    CITED_MODELS,
    Organization,
    Person,
    Project,
    Source,
    State,
    Treaty,
    Visit,
)
from diplomacy.relations import partners_of, relation_between

pytestmark = pytest.mark.django_db
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


@pytest.fixture
def corpus():
    call_command("loaddata", "seed", verbosity=0)


def counts():
    return {model: model.objects.count() for model in (*CITED_MODELS, Source)}


def test_the_corpus_loads_twice_and_over_the_country_list_without_duplicates(corpus):
    first = counts()
    call_command("loaddata", "seed", verbosity=0)
    assert counts() == first
    call_command("load_countries", verbosity=0)
    call_command("loaddata", "seed", verbosity=0)
    after = counts()
    assert after[State] == 249
    assert {m: n for m, n in after.items() if m is not State} == {
        m: n for m, n in first.items() if m is not State
    }
    assert first[Treaty] >= 20 and first[Project] >= 10 and first[Visit] >= 2


def test_every_record_cites_a_source_with_a_verbatim_quote(corpus):
    for model, citation_model in CITED_MODELS.items():
        records = model.objects.all()
        if model is State:
            records = records.filter(citations__isnull=False).distinct()
        for record in records:
            citations = list(citation_model.objects.filter(record=record).select_related("source"))
            assert citations, f"{model.__name__} {record} cites nothing"
            for citation in citations:
                assert citation.quote in citation.source.text, (record, citation.quote)
    assert Person.objects.count() == 7 and Organization.objects.count() >= 10


def test_the_five_seed_documents_are_sources():
    call_command("loaddata", "seed", verbosity=0)
    assert Source.objects.count() == 5
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} is not beside the project")
    for path in SEEDS.glob("*.txt"):
        source = Source.objects.get(notes__contains=path.name)
        paragraph = max(path.read_text().splitlines(), key=len)
        assert paragraph.strip() in source.text


def test_azerbaijan_and_uzbekistan_are_allies_since_23_august_2024(corpus):
    az, uz = State.objects.get(iso2="AZ"), State.objects.get(iso2="UZ")
    relation = relation_between(az, uz)
    assert relation.level == RelationLevel.ALLIANCE
    assert relation.reached.date == datetime.date(2024, 8, 23)
    assert relation.reached_by.slug == "treaty-on-allied-relations-azerbaijan-uzbekistan-2024"
    assert relation_between(uz, az).reached == relation.reached


def test_uzbekistans_four_allies_with_their_dates(corpus):
    uz = State.objects.get(iso2="UZ")
    allies = {p.state.iso2: p.reached for p in partners_of(uz) if p.level == RelationLevel.ALLIANCE}
    assert {code: (d.iso, d.precision) for code, d in allies.items()} == {
        "RU": ("2005-11-14", DatePrecision.DAY),
        "KZ": ("2022-12-22", DatePrecision.DAY),
        "TJ": ("2024-02", DatePrecision.MONTH),
        "AZ": ("2024-08-23", DatePrecision.DAY),
    }


def test_azerbaijans_central_asian_partners(corpus):
    az = State.objects.get(iso2="AZ")
    levels = {p.state.iso2: p.level for p in partners_of(az)}
    assert levels["KZ"] == RelationLevel.ALLIANCE
    assert levels["TM"] == levels["KG"] == levels["TJ"] == RelationLevel.STRATEGIC_PARTNERSHIP


def test_the_state_visit_holds_its_documents_and_the_2_billion_portfolio(corpus):
    visit = Visit.objects.get(slug="state-visit-aliyev-uzbekistan-2024")
    signed = set(visit.treaties.values_list("slug", flat=True))
    assert {"twin-cities-tashkent-baku-2024", "socar-uzbekneftegaz-cooperation-2024"} <= signed
    assert len(signed) >= 10
    portfolio = Project.objects.get(slug="portfolio-projects-2-billion-2024")
    assert portfolio.value_amount == 2_000_000_000
    assert portfolio.value_currency == "USD"
    assert "over $2 billion" in portfolio.value_note
