"""Pictures: each list's filtered set per year (a chart at its own address, and
the same numbers as a table and CSV), a state's partners on a world map, and
the relations page's timeline, readable on a phone."""

import csv
import datetime
import io
import itertools
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diplomacy.charts import LAND_COLOUR, LEVEL_COLOURS, SELF_COLOUR, SIZES, text_width
from diplomacy.choices import RelationLevel, TreatyKind
from diplomacy.models import State, StatePeriod
from tests.factories import StateFactory, TreatyFactory, VisitFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
D = datetime.date


@pytest.fixture
def corpus():
    call_command("loaddata", "seed", verbosity=0)


def per_year_csv(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return {row["year"]: row for row in rows}


def svg_of(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    return ET.fromstring(response.content)


def tooltips(root: ET.Element) -> list[str]:
    return [title.text for group in root.iter(f"{SVG}g") for title in group.findall(f"{SVG}title")]


def test_the_chart_and_its_table_count_the_filtered_set_and_follow_the_data(client, corpus):
    uz = State.objects.get(code="uz")
    url = "/treaties/per-year.csv?party=uz&year_min=2024"
    before = per_year_csv(client, url)
    assert set(before) == {"2024"}  # the filter holds: no earlier year
    n = int(before["2024"]["total"])
    chart = svg_of(client.get("/treaties/chart.svg?party=uz&year_min=2024"))
    assert any(t.startswith(f"2024: {n} treaties") for t in tooltips(chart))

    TreatyFactory(kind=TreatyKind.MEMORANDUM, signed_on=D(2024, 3, 1), parties=[uz])
    after = per_year_csv(client, url)
    assert int(after["2024"]["total"]) == n + 1
    assert after["2024"]["memorandum"] == str(int(before["2024"].get("memorandum") or 0) + 1)
    chart = svg_of(client.get("/treaties/chart.svg?party=uz&year_min=2024"))
    assert any(t.startswith(f"2024: {n + 1} treaties") for t in tooltips(chart))
    # A treaty Uzbekistan is not party to is not counted.
    TreatyFactory(signed_on=D(2024, 3, 1), parties=[StateFactory(iso2="QQ")])
    assert int(per_year_csv(client, url)["2024"]["total"]) == n + 1


def test_a_kind_filter_leaves_only_that_kind_in_the_chart(client, corpus):
    chart = svg_of(client.get("/treaties/chart.svg?kind=alliance"))
    legend = [t.text for t in chart.iter(f"{SVG}text") if not (t.text or "").isdigit()]
    assert legend == ["Alliance"]
    assert all("Alliance" in t and "Agreement" not in t for t in tooltips(chart))


def test_visits_and_projects_have_their_charts_too(client, corpus):
    az, uz = State.objects.get(code="az"), State.objects.get(code="uz")
    VisitFactory(host=uz, guest=az, start_on=D(1999, 5, 1))
    rows = per_year_csv(client, "/visits/per-year.csv?host=uz")
    assert int(rows["1999"]["total"]) >= 1
    assert svg_of(client.get("/visits/chart.svg?host=uz")) is not None
    assert svg_of(client.get("/projects/chart-narrow.svg")) is not None
    assert client.get("/projects/per-year/").status_code == 200


def test_the_list_embeds_its_chart_with_its_filters_and_counts_nothing_more(client, corpus):
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/treaties/?party=uz&ordering=title&page=1").content.decode()
    figure = html[html.index('<figure class="per-year-chart">') : html.index("</figure>")]
    assert 'src="/treaties/chart.svg?party=uz"' in figure
    assert 'srcset="/treaties/chart-narrow.svg?party=uz"' in figure
    assert re.search(r'<img [^>]*alt="Bar chart of the treaties matching these filters', figure)
    assert '<a href="/treaties/per-year/?party=uz">the numbers as a table</a>' in figure
    assert "<figcaption>" in figure
    # The per-year aggregate is the chart's request, never the list's.
    assert not any("EXTRACT" in q["sql"].upper() or "STRFTIME" in q["sql"].upper()
                   for q in queries.captured_queries)  # fmt: skip


def test_the_table_alternative_holds_the_same_numbers_as_the_chart(client, corpus):
    TreatyFactory(signed_on=None, parties=[State.objects.get(code="uz")])
    html = client.get("/treaties/per-year/?party=uz").content.decode()
    rows = per_year_csv(client, "/treaties/per-year.csv?party=uz")
    assert "<caption>Treaties per year and kind" in html
    assert "Year not known" in html and rows[""]["total"] == "1"
    for year in filter(None, rows):
        assert f'<th scope="row">{year}</th>' in html
    assert 'href="/treaties/?party=uz"' in html  # back to the list, same filters
    assert 'href="/treaties/per-year.csv?party=uz"' in html


@pytest.mark.parametrize(
    "url",
    ["/treaties/chart.svg?year=abc", "/treaties/per-year/?kind=nonsense",
     "/visits/per-year.csv?host=zz", "/projects/chart-narrow.svg?year_min=x"],
)  # fmt: skip
def test_bad_filters_are_a_400_that_says_what_was_wrong(client, corpus, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "could not be applied" in response.content.decode()


def test_a_set_without_dates_says_so(client, corpus):
    chart = svg_of(client.get("/treaties/chart.svg?year=1700"))
    assert "No treaties with a known year" in ET.tostring(chart, encoding="unicode")


def test_the_state_map_colours_partners_by_level(client, corpus):
    html = client.get("/states/uz/").content.decode()
    figure = html[html.index('<figure class="world-map">') :]
    figure = figure[: figure.index("</figure>")]
    titled = re.findall(r'fill="(#[0-9a-f]{6})"><title>([^<]+)</title>', figure)
    by_label = {label: fill for fill, label in titled}
    assert by_label["Azerbaijan: Alliance"] == LEVEL_COLOURS[RelationLevel.ALLIANCE]
    assert by_label["Uzbekistan (this state)"] == SELF_COLOUR
    assert f'fill="{LAND_COLOUR}"' in figure  # states with no recorded relation
    # The legend is words, as the partner lists' headings.
    legend = figure[figure.index('class="map-legend"') :]
    assert "Allies" in legend and "No recorded relation" in legend


def test_a_former_state_without_a_shape_is_listed_under_the_map(client):
    uz = StateFactory(iso2="UZ", name="Uzbekistan")
    former = State.objects.create(code="zzf", name="Old Confederation", slug="old-confederation",
                                  is_published=True)  # fmt: skip
    StatePeriod.objects.create(state=former, started_on=D(1900, 1, 1), ended_on=None)
    TreatyFactory(kind=TreatyKind.DIPLOMATIC_RELATIONS, signed_on=D(1995, 1, 1),
                  parties=[uz, former])  # fmt: skip
    TreatyFactory(kind=TreatyKind.ALLIANCE, signed_on=D(2024, 1, 1),
                  parties=[uz, StateFactory(iso2="AZ", name="Azerbaijan")])  # fmt: skip
    html = client.get("/states/uz/").content.decode()
    figure = html[html.index('<figure class="world-map">') :]
    figure = figure[: figure.index("</figure>")]
    assert "Not on the map" in figure and "Old Confederation" in figure
    assert "Azerbaijan: Alliance" in figure


def test_the_relations_chart_counts_in_words_and_its_year_labels_never_overlap(client):
    az = StateFactory(iso2="AZ", name="Azerbaijan")
    uz = StateFactory(iso2="UZ", name="Uzbekistan")
    for year in range(1950, 2025, 3):
        TreatyFactory(signed_on=D(year, 1, 1), parties=[az, uz])
    TreatyFactory(signed_on=D(2022, 5, 1), parties=[az, uz])
    VisitFactory(host=uz, guest=az, start_on=D(2022, 6, 1))
    html = client.get("/relations/az/uz/").content.decode()
    assert "1 treaties" not in html and "1 visits" not in html
    assert "1950: 1 record (1 treaty)" in html
    assert "2022: 3 records (2 treaties, 1 visit)" in html
    for size, (width, _, font) in SIZES.items():
        start = html.index(f'class="year-chart year-chart-{size}"')
        svg = html[start : html.index("</svg>", start)]
        assert f'font-size="{font}"' in svg
        xs = [float(x) for x in re.findall(r'<text x="([0-9.]+)" y="[0-9.]+">\d{4}</text>', svg)]
        assert len(xs) >= 3
        label = text_width("0000", font)
        assert all(b - a >= label for a, b in itertools.pairwise(xs))
        assert xs[0] - label / 2 >= 0 and xs[-1] + label / 2 <= width
    # On a phone (about 350 px of content) the narrow chart's text stays legible.
    width, _, font = SIZES["narrow"]
    assert font * 350 / width >= 10


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu HTML validator needs Java")
def test_the_pages_with_charts_are_valid_html(client, corpus, tmp_path):
    from tests.test_html_validity import validate

    pages = {
        "per-year": "/treaties/per-year/?party=uz",
        "per-year-bad": "/treaties/per-year/?kind=nonsense",
        "list": "/treaties/?party=uz",
        "state": "/states/uz/",
        "relations": "/relations/az/uz/",
    }
    files = []
    for name, url in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(client.get(url).content)
        files.append(path)
    errors = [f"{m.get('url')}: {m['message']} {m.get('extract', '')}" for m in validate(files)]
    assert not errors, "\n".join(errors)


def test_a_count_cut_off_by_the_statement_timeout_says_so_and_is_not_retried(client, monkeypatch):
    """At a million treaties a search's per-year count can outlast the
    statement timeout: the picture and the table say what to do instead, and
    the list's other readers do not each wait for the same cut-off again."""
    from django.db import OperationalError
    from psycopg.errors import QueryCanceled

    from diplomacy.views import charts

    tries = []

    def cancelled(self):
        tries.append(1)
        try:
            raise QueryCanceled("canceling statement due to statement timeout")
        except QueryCanceled as exc:
            raise OperationalError(str(exc)) from exc

    monkeypatch.setattr(charts.PerYear, "rows", cancelled)
    picture = client.get("/treaties/chart.svg?q=friendship")
    assert picture.status_code == 503
    assert picture["Content-Type"].startswith("image/svg+xml")
    assert "Narrow the filters" in ET.tostring(ET.fromstring(picture.content), encoding="unicode")
    table = client.get("/treaties/per-year/?q=friendship")
    assert table.status_code == 503 and "Narrow the filters" in table.content.decode()
    assert client.get("/treaties/per-year.csv?q=friendship").status_code == 503
    assert len(tries) == 1
