"""An editor's journey through the admin in a real browser: log in, add a bilateral
agreement with partial dates, parties and a citation, save it as a draft; a
publisher publishes it; it is on the public pages. The actions a person takes
(fills, clicks, selections, key presses) are counted, and the editors' guide's
screenshots are taken on the way (saved under static/guide/ when
GUIDE_SCREENSHOTS=1, e.g. `GUIDE_SCREENSHOTS=1 pytest tests/browser`).
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from diplomacy.models import Treaty
from tests.factories import SourceFactory, StateFactory, VisitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-1"  # tests.factories.UserFactory's
# The issue measured 32 actions and a failed save for this journey; the goal is 15.
EDITOR_ACTIONS_GOAL = 15


class Person:
    """A person at the browser: every fill, click, selection or key press is counted."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base = base_url
        self.actions = 0

    def fill(self, locator, text: str):
        self.actions += 1
        locator.fill(text)

    def click(self, locator):
        self.actions += 1
        locator.click()

    def press(self, locator, key: str):
        self.actions += 1
        locator.press(key)

    def log_in(self, username: str):
        self.page.goto(f"{self.base}/admin/")
        self.fill(self.page.get_by_label("Username"), username)
        self.fill(self.page.get_by_label("Password"), PASSWORD)
        self.click(self.page.get_by_role("button", name="Log in"))

    def autocomplete(self, select_id: str, text: str):
        """Django's autocomplete (Select2): open it, type, take the first match with Enter."""
        self.click(self.page.locator(f"#{select_id} + .select2"))
        search = self.page.locator(".select2-container--open .select2-search__field")
        self.fill(search, text)
        self.page.locator(".select2-results__option--highlighted", has_text=text).wait_for()
        self.press(search, "Enter")


@pytest.fixture
def shots(tmp_path):
    """Where the guide's screenshots go: the committed static/guide/ on request."""
    if os.environ.get("GUIDE_SCREENSHOTS") == "1":
        folder = Path(settings.BASE_DIR) / "static" / "guide"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path


@pytest.fixture
def register(editor, publisher):
    for user in (editor, publisher):
        user.first_name = user.username.title()
        user.save()
    az = StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", slug="azerbaijan")
    uz = StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", slug="uzbekistan")
    SourceFactory(title="Joint statement of the presidents", is_published=True)
    VisitFactory(title="State visit to Tashkent", host=uz, guest=az)
    return az, uz


def test_editor_adds_an_agreement_a_publisher_publishes_it_the_public_sees_it(
    live_server, admin_context, register, shots
):
    # -- the editor --------------------------------------------------------------
    editor_page = admin_context().new_page()
    editor = Person(editor_page, live_server.url)
    editor.log_in("editor")
    page = editor_page
    assert "Diplomacy register desk" in page.title()

    editor.click(page.locator("tr.model-treaty").get_by_role("link", name="Add"))
    editor.fill(page.get_by_label("Title:", exact=True), "Agreement on water cooperation")
    editor.fill(page.get_by_label("Signed:", exact=True), "August 2024")
    editor.autocomplete("id_treatyparty_set-0-state", "Azerbaijan")
    editor.autocomplete("id_treatyparty_set-1-state", "Uzbekistan")
    editor.fill(page.locator("#id_treatyparty_set-0-ratified_on"), "2025")
    editor.autocomplete("id_citations-0-source", "Joint statement")
    editor.fill(page.locator("#id_citations-0-quote"), "The presidents signed an agreement.")
    page.locator("#treaty_form").screenshot(path=shots / "treaty-add.png")
    page.locator("#citations-group").screenshot(path=shots / "treaty-citation.png")
    editor.click(page.get_by_role("button", name="Save", exact=True).first)

    page.wait_for_url("**/admin/diplomacy/treaty/")
    assert page.locator(".messagelist .success").count() == 1
    treaty = Treaty.objects.get(title="Agreement on water cooperation")
    assert not treaty.is_published
    assert str(treaty.signed) == "August 2024"
    assert sorted(treaty.parties.values_list("iso2", flat=True)) == ["AZ", "UZ"]
    assert str(treaty.treatyparty_set.get(state__iso2="AZ").ratified) == "2025"
    assert treaty.citations.get().quote == "The presidents signed an agreement."
    editor_actions = editor.actions
    print(f"\nEditor's actions, login included: {editor_actions}")
    # Logging in takes 3 of them; the agreement itself, the goal's 15.
    assert editor_actions - 3 <= EDITOR_ACTIONS_GOAL

    # The guide's other pictures: a visit's form, the record's history.
    page.goto(f"{live_server.url}/admin/diplomacy/visit/add/")
    page.locator("#visit_form").screenshot(path=shots / "visit-add.png")
    page.goto(f"{live_server.url}/admin/diplomacy/treaty/{treaty.pk}/history/")
    page.locator("#content").screenshot(path=shots / "history.png")

    # The public does not see the draft.
    public = admin_context().new_page()
    assert public.goto(f"{live_server.url}{treaty.get_absolute_url()}").status == 404

    # -- the publisher -------------------------------------------------------------
    publisher_page = admin_context().new_page()
    publisher = Person(publisher_page, live_server.url)
    publisher.log_in("publisher")
    page = publisher_page
    page.locator("#content").screenshot(path=shots / "desk.png")
    drafts = page.locator("#curation-dashboard section", has_text="Drafts awaiting publication")
    publisher.click(drafts.get_by_role("link", name="Agreement on water cooperation"))
    publisher.click(page.get_by_role("button", name="Save and publish").first)
    page.wait_for_url("**/admin/diplomacy/treaty/")
    message = page.locator(".messagelist .success")
    assert "was published" in message.inner_text()
    page.screenshot(path=shots / "publish.png", clip={"x": 0, "y": 0, "width": 1280, "height": 360})
    print(f"Publisher's actions, login included: {publisher.actions}")

    # -- the public ----------------------------------------------------------------
    treaty.refresh_from_db()
    assert treaty.is_published
    response = public.goto(f"{live_server.url}{treaty.get_absolute_url()}")
    assert response.status == 200
    assert public.get_by_role("heading", level=1).inner_text() == "Agreement on water cooperation"
    facts = public.locator("dl.facts").inner_text()
    assert "August 2024" in facts and "Azerbaijan" in facts and "Uzbekistan" in facts
    public.goto(f"{live_server.url}/treaties/?year=2024")
    assert "Agreement on water cooperation" in public.locator("table.records").inner_text()
    print(f"Whole journey: {editor_actions + publisher.actions} actions")
