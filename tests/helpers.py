"""Data shared by the page, API and export tests."""

import datetime
import threading

from django.db import connection

from diplomacy.choices import DatePrecision, TreatyKind
from diplomacy.models import TreatyCitation
from tests.factories import (
    PersonFactory,
    ProjectFactory,
    SectorFactory,
    SourceFactory,
    StateFactory,
    TreatyFactory,
    VisitFactory,
)


def world():
    """Three states, sectors, a source: what the records below refer to."""
    return {
        "az": StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", slug="azerbaijan"),
        "uz": StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", slug="uzbekistan"),
        "kz": StateFactory(iso2="KZ", iso3="KAZ", name="Kazakhstan", slug="kazakhstan"),
        "energy": SectorFactory(slug="energy", name="Energy"),
        "culture": SectorFactory(slug="culture", name="Culture"),
        "source": SourceFactory(text="The parties signed the treaty on allied relations."),
    }


def populate(w, n: int):
    """n treaties, visits and projects, each with parties, sectors and a citation."""
    person = PersonFactory(slug="ilham-aliyev", name="Ilham Aliyev", state=w["az"])
    for i in range(n):
        treaty = TreatyFactory(
            title=f"Agreement {i} on energy cooperation",
            signed_on=datetime.date(2000 + i % 25, 1 + i % 12, 1),
            signed_on_precision=DatePrecision.MONTH,
            parties=[w["az"], w["uz"]] if i % 2 else [w["az"], w["kz"]],
        )
        treaty.sectors.set([w["energy"], w["culture"]])
        TreatyCitation.objects.create(record=treaty, source=w["source"], quote="The parties")
        visit = VisitFactory(
            host=w["uz"], guest=w["az"], start_on=datetime.date(2010 + i % 15, 5, 1)
        )
        visit.principals.add(person)
        project = ProjectFactory(value_amount=1000 * (i + 1), value_currency="USD")
        project.states.set([w["az"], w["uz"]])
        project.sectors.set([w["energy"]])


def alliance(w, **kwargs):
    return TreatyFactory(
        title="Treaty on Allied Relations",
        slug="treaty-on-allied-relations",
        kind=TreatyKind.ALLIANCE,
        signed_on=datetime.date(2024, 8, 23),
        parties=[w["az"], w["uz"]],
        **kwargs,
    )


def second_visit(client, url: str, assert_max_queries, queries: int) -> str:
    """The HTML of a second visit to ``url``, which must run at most
    ``queries`` queries and show exactly what the first visit showed."""
    first = client.get(url).content.decode()
    with assert_max_queries(queries):
        second = client.get(url).content.decode()
    assert second == first
    return second


def in_thread(target):
    """Run ``target`` as another request would: its own thread and connection."""

    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
