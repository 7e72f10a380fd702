"""A visitor's journey through the public site, in a real browser."""

import datetime

import pytest

from diplomacy.choices import DatePrecision, TreatyKind
from tests.factories import StateFactory, TreatyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def corpus():
    az = StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", slug="azerbaijan")
    uz = StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", slug="uzbekistan")
    kz = StateFactory(iso2="KZ", iso3="KAZ", name="Kazakhstan", slug="kazakhstan")
    alliance = TreatyFactory(
        title="Treaty on Allied Relations between Azerbaijan and Uzbekistan",
        slug="allied-relations-az-uz",
        kind=TreatyKind.ALLIANCE,
        signed_on=datetime.date(2024, 8, 23),
        parties=[az, uz],
    )
    TreatyFactory(
        title="Agreement on cultural cooperation",
        slug="culture-az-uz",
        kind=TreatyKind.AGREEMENT,
        signed_on=datetime.date(2024, 8, 1),
        signed_on_precision=DatePrecision.MONTH,
        parties=[az, uz],
    )
    TreatyFactory(
        title="Treaty on Allied Relations between Uzbekistan and Kazakhstan",
        slug="allied-relations-uz-kz",
        kind=TreatyKind.ALLIANCE,
        signed_on=datetime.date(2022, 12, 22),
        parties=[uz, kz],
    )
    return alliance


def test_visitor_filters_opens_a_treaty_and_follows_it_to_the_relations(live_server, page, corpus):
    page.goto(f"{live_server.url}/treaties/")
    page.get_by_label("Year signed").fill("2024")
    page.get_by_label("Alliance").check()
    page.get_by_role("button", name="Apply filters").click()

    assert "year=2024" in page.url and "kind=alliance" in page.url
    results = page.locator("table.records tbody tr")
    assert results.count() == 1
    assert "1 treaties match these filters" in page.locator("#results-heading").inner_text()

    page.get_by_role(
        "link", name="Treaty on Allied Relations between Azerbaijan and Uzbekistan"
    ).click()
    assert page.url.endswith("/treaties/allied-relations-az-uz/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Treaty on Allied")
    assert "23 August 2024" in page.locator("dl.facts").inner_text()

    page.locator("dl.facts").get_by_role("link", name="Uzbekistan", exact=True).click()
    assert page.url.endswith("/states/uz/")
    allies = page.locator("h3:has-text('Allies') + ul.partners")
    assert "Azerbaijan" in allies.inner_text() and "Kazakhstan" in allies.inner_text()

    allies.get_by_role("link", name="Azerbaijan", exact=True).click()
    assert page.url.endswith("/relations/uz/az/")
    level = page.locator(".relation-level").inner_text()
    assert "Alliance" in level and "23 August 2024" in level
    # Two drawings, one shown: the narrow one is for phones.
    assert page.locator("figure.timeline svg.year-chart:visible").count() == 1


def test_filter_form_works_with_the_keyboard_alone(live_server, page, corpus):
    page.goto(f"{live_server.url}/treaties/")
    # Tab from the top of the page until the year field has focus.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == "year":
            break
    else:
        pytest.fail("The year field cannot be reached with the Tab key.")
    page.keyboard.type("2022")
    page.keyboard.press("Tab")  # the next control is "From year"
    focused = page.evaluate("document.activeElement.name")
    assert focused == "year_min"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a text field submits the GET form

    assert "year=2022" in page.url
    rows = page.locator("table.records tbody tr")
    assert rows.count() == 1
    assert "Uzbekistan and Kazakhstan" in rows.first.inner_text()

    # Every control of the filter form has a visible label.
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('form.filters input, form.filters select')]
            .filter(el => !el.labels || el.labels.length === 0).map(el => el.name)"""
    )
    assert unlabeled == []


def test_bad_filter_is_explained_on_the_page(live_server, page, corpus):
    response = page.goto(f"{live_server.url}/treaties/?year=abc")
    assert response.status == 400
    assert "These filters could not be applied" in page.locator(".error-summary").inner_text()
