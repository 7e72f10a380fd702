"""The list pages' filter form in a real browser: by keyboard alone, on a
phone-sized screen (results first, no sideways scrolling) and on a desktop."""

import datetime

import pytest

from diplomacy.choices import TreatyKind
from tests.browser.conftest import serve_static
from tests.factories import StateFactory, TreatyFactory, VisitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_NAME = "United Kingdom of Great Britain and Northern Ireland"


@pytest.fixture
def corpus():
    az = StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", slug="azerbaijan")
    uz = StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", slug="uzbekistan")
    kz = StateFactory(iso2="KZ", iso3="KAZ", name="Kazakhstan", slug="kazakhstan")
    gb = StateFactory(iso2="GB", iso3="GBR", name=LONG_NAME, slug="united-kingdom")
    cd = StateFactory(iso2="CD", iso3="COD", name="Democratic Republic of the Congo", slug="drc")
    TreatyFactory(title="Treaty on Allied Relations between Azerbaijan and Uzbekistan",
                  slug="allied-az-uz", kind=TreatyKind.ALLIANCE,
                  signed_on=datetime.date(2024, 8, 23), parties=[az, uz])  # fmt: skip
    TreatyFactory(title="Agreement on cultural cooperation", slug="culture-az-uz",
                  kind=TreatyKind.AGREEMENT, signed_on=datetime.date(2024, 8, 1),
                  parties=[az, uz])  # fmt: skip
    TreatyFactory(title="Treaty on Allied Relations between Uzbekistan and Kazakhstan",
                  slug="allied-uz-kz", kind=TreatyKind.ALLIANCE,
                  signed_on=datetime.date(2022, 12, 22), parties=[uz, kz])  # fmt: skip
    for i in range(3):
        VisitFactory(title=f"Official visit of the Prime Minister number {i}", host=gb, guest=cd,
                     start_on=datetime.date(2020 + i, 5, 1))  # fmt: skip


@pytest.fixture
def open_page(browser, live_server):
    """A page of a browser context of the given size, with or without script."""
    contexts = []

    def open_page(path, viewport=DESKTOP, javascript=True):
        context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        serve_static(context, live_server)
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}{path}")
        return page

    yield open_page
    for context in contexts:
        context.close()


def tab_to(page, predicate: str, limit: int = 80):
    """Press Tab until the focused element meets ``predicate`` (a JS expression on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"
        ):
            return
    pytest.fail(f"Tab never reached an element where {predicate}")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_filter_by_kind_and_parties_and_remove_a_filter_by_keyboard_alone(open_page, corpus):
    page = open_page("/treaties/")
    tab_to(page, "el.name === 'kind' && el.value === 'alliance'")
    page.keyboard.press("Space")
    assert page.get_by_label("Alliance").is_checked()
    tab_to(page, "el.name === 'party'")
    page.keyboard.type("uzbekistan")  # a name, in any case
    page.keyboard.press("Tab")
    page.keyboard.type("AZ")  # or a code
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "kind=alliance" in page.url
    rows = page.locator("table.records tbody tr")
    assert rows.count() == 1
    assert "Azerbaijan and Uzbekistan" in rows.first.inner_text()
    applied = page.locator(".active-filters").inner_text()
    for words in ("Kind: Alliance", "Parties: Uzbekistan", "Parties: Azerbaijan", "Clear all"):
        assert words in applied

    # The chosen states come back by name; the remove link of a filter drops it alone.
    assert page.locator("input[name=party]").first.input_value() == "Uzbekistan"
    tab_to(page, "el.matches('.active-filters a.remove') && el.textContent.includes('Kind')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "kind=" not in page.url
    assert page.locator("table.records tbody tr").count() == 2


def test_the_script_adds_an_input_for_another_party(open_page, corpus):
    page = open_page("/treaties/")
    inputs = page.locator("input[name=party]")
    assert inputs.count() == 2
    page.get_by_role("button", name="Add another party").click()
    assert inputs.count() == 3
    assert page.evaluate("document.activeElement.id") == "id_party_2"
    assert page.get_by_label("Party 3").is_visible()


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_results_come_first_and_nothing_scrolls_sideways(open_page, corpus, javascript):
    page = open_page("/visits/", viewport=PHONE, javascript=javascript)
    first_row = page.locator("table.records tbody tr").first
    assert LONG_NAME in first_row.inner_text()
    # The first result shows on the first screen; the form waits behind its summary.
    assert first_row.bounding_box()["y"] < PHONE["height"]
    apply = page.get_by_role("button", name="Apply filters")
    assert not apply.is_visible()
    assert no_sideways_scroll(page)

    page.locator("details.filter-panel > summary").click()
    assert apply.is_visible()
    assert no_sideways_scroll(page)
    page.get_by_label("Host state").fill(LONG_NAME)
    with page.expect_navigation():
        apply.click()
    assert page.locator("table.records tbody tr").count() == 3
    assert no_sideways_scroll(page)


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_desktop_the_filters_are_open_beside_the_results(open_page, corpus, javascript):
    page = open_page("/treaties/", viewport=DESKTOP, javascript=javascript)
    assert page.get_by_role("button", name="Apply filters").is_visible()
    assert not page.locator("details.filter-panel > summary").is_visible()
    form = page.locator("form.filters").bounding_box()
    table = page.locator("table.records").bounding_box()
    assert form["x"] + form["width"] <= table["x"]  # side by side


def test_ticked_treaties_are_compared(open_page, corpus):
    page = open_page("/treaties/")
    page.get_by_label(
        "Compare Treaty on Allied Relations between Azerbaijan and Uzbekistan"
    ).check()
    page.get_by_label(
        "Compare Treaty on Allied Relations between Uzbekistan and Kazakhstan"
    ).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Compare selected").click()
    assert "/treaties/compare/?t=allied-az-uz&t=allied-uz-kz" in page.url
