"""Every URL of the project, every method, as an anonymous visitor and as an editor.

Anonymous clients never write; editors never delete or publish (not even by
reverting to a published version); nobody gets a server error; a refused
request changes nothing.
"""

import datetime
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from diplomacy.models import Treaty
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    ProjectFactory,
    SectorFactory,
    SourceFactory,
    StateFactory,
    TreatyFactory,
    UserFactory,
    VisitFactory,
)
from tests.helpers import alliance, world
from tests.test_admin import form_fields

pytestmark = pytest.mark.django_db
METHODS = ["get", "post", "put", "patch", "delete"]
# Where a write by an anonymous visitor is the point: logging in.
LOGIN_URLS = {"/admin/login/", "/api/v1/auth/token/"}


def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def concrete_urls(records) -> list[str]:
    """Each route with its parameters filled by real keys; regex routes made literal."""
    urls = set()
    for route in walk(get_resolver().url_patterns):
        route = route.lstrip("^").replace("\\Z", "").replace("$", "").replace("\\.", ".")
        if "format>" in route:  # the API's format-suffix routes
            continue
        for name, value in {
            "slug": records["treaty"].slug,
            "iso2": "uz",
            "a": "az",
            "b": "uz",
            "object_id": str(records["treaty"].pk),
            "app_label": "diplomacy",
            "url": "",
            "path": "css/site.css",
            "history_id": "1",
            "content_type_id": "1",
            "uidb64": "MQ",
            "token": "x",
            "section": "treaties",
        }.items():
            route = re.sub(rf"<(?:\w+:)?{name}>", value, route)
            route = re.sub(rf"\(\?P<{name}>[^)]*\)", value, route)
        if "<" in route or "(?P" in route or "(" in route:
            continue
        urls.add("/" + route)
    return sorted(urls)


def fingerprint():
    state = {}
    for model in apps.get_app_config("diplomacy").get_models():
        if model.__name__.startswith("Historical"):
            continue
        state[model.__name__] = model.objects.count()
        if hasattr(model, "is_published"):
            state[model.__name__ + ":published"] = set(
                model.objects.filter(is_published=True).values_list("pk", flat=True)
            )
    return state


@pytest.fixture
def records():
    w = world()
    treaty = alliance(w)
    visit = VisitFactory(host=w["uz"], guest=w["az"])
    project = ProjectFactory()
    PersonFactory()
    OrganizationFactory()
    return {"treaty": treaty, "visit": visit, "project": project}


def call(client, method, url):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data="{}", content_type="application/json")


def test_anonymous_visitors_cannot_write_anywhere(client, records):
    urls = concrete_urls(records)
    assert len(urls) > 40  # the whole site and API, not a sample
    before = fingerprint()
    for url in urls:
        for method in METHODS:
            response = call(client, method, url)
            assert response.status_code < 500, (method, url)
            if method != "get" and url not in LOGIN_URLS:
                assert not 200 <= response.status_code < 300, (method, url, response.status_code)
    assert fingerprint() == before


def test_editors_cannot_delete_or_publish(editor_client, editor, records):
    before = fingerprint()
    for url in concrete_urls(records):
        for method in ("post", "delete"):
            response = call(editor_client, method, url)
            assert response.status_code < 500, (method, url)
            editor_client.force_login(editor)  # the sweep also posts to /admin/logout/
    after = fingerprint()
    # Editors may add and change, but nothing was deleted and nothing published.
    for name, value in before.items():
        if name.endswith(":published"):
            assert after[name] <= value, name
        else:
            assert after[name] >= value, name
    assert Treaty.objects.filter(pk=records["treaty"].pk).exists()
    for model in ("treaty", "visit", "project"):
        response = editor_client.post(f"/admin/diplomacy/{model}/{records[model].pk}/delete/",
                                      {"post": "yes"})  # fmt: skip
        assert response.status_code == 403
        plural = {"treaty": "treaties", "visit": "visits", "project": "projects"}[model]
        api = editor_client.delete(f"/api/v1/{plural}/{records[model].slug}/")
        assert api.status_code == 403


# History and revert (django-simple-history's pages), for every model with history.
HISTORY_MODELS = {
    "treaty": (TreatyFactory, "title"),
    "visit": (VisitFactory, "title"),
    "project": (ProjectFactory, "name"),
    "state": (StateFactory, "name"),
    "person": (PersonFactory, "name"),
    "organization": (OrganizationFactory, "name"),
    "sector": (SectorFactory, "name"),
    "source": (SourceFactory, "title"),
}


def two_versions(model: str, first_published: bool):
    """A record saved twice: named "Old" with ``first_published``, then renamed "New"
    with the other publication state. Returns it and its first version."""
    factory, name = HISTORY_MODELS[model]
    record = factory(**{name: "Old", "is_published": first_published})
    setattr(record, name, "New")
    record.is_published = not first_published
    record.save()
    return record, record.history.earliest()


def revert(client, model, record, version):
    """Open the revert page of ``version`` and press Revert, as a browser would."""
    url = f"/admin/diplomacy/{model}/{record.pk}/history/{version.history_id}/"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, form_fields(page, f"historical{model}_form"))


@pytest.mark.parametrize("model", list(HISTORY_MODELS))
def test_anonymous_visitors_see_no_history_and_revert_nothing(client, editor, model):
    record, first = two_versions(model, first_published=True)
    history = f"/admin/diplomacy/{model}/{record.pk}/history/"
    revert_url = f"{history}{first.history_id}/"
    editor_view = Client()
    editor_view.force_login(editor)
    form = form_fields(editor_view.get(revert_url), f"historical{model}_form")
    for url in (history, revert_url):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = client.post(revert_url, form)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    record.refresh_from_db()
    assert getattr(record, HISTORY_MODELS[model][1]) == "New" and not record.is_published


@pytest.mark.parametrize("model", list(HISTORY_MODELS))
@pytest.mark.parametrize("first_published", [True, False])
def test_an_editors_revert_restores_the_text_but_never_the_publication(
    editor_client, model, first_published
):
    record, first = two_versions(model, first_published)
    history = editor_client.get(f"/admin/diplomacy/{model}/{record.pk}/history/")
    assert history.status_code == 200
    assert revert(editor_client, model, record, first).status_code == 302
    record.refresh_from_db()
    assert getattr(record, HISTORY_MODELS[model][1]) == "Old"
    assert record.is_published is not first_published  # as it was before the revert


@pytest.mark.parametrize("model", list(HISTORY_MODELS))
@pytest.mark.parametrize("first_published", [True, False])
def test_a_publishers_revert_restores_the_publication_too(publisher_client, model, first_published):
    record, first = two_versions(model, first_published)
    assert publisher_client.get(f"/admin/diplomacy/{model}/{record.pk}/history/").status_code == 200
    assert revert(publisher_client, model, record, first).status_code == 302
    record.refresh_from_db()
    assert getattr(record, HISTORY_MODELS[model][1]) == "Old"
    assert record.is_published is first_published


def test_an_account_that_may_only_view_cannot_revert(client):
    record, first = two_versions("treaty", first_published=True)
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_treaty"))
    client.force_login(viewer)
    url = f"/admin/diplomacy/treaty/{record.pk}/history/{first.history_id}/"
    page = client.get(url)
    assert page.status_code == 200 and 'value="Revert"' not in page.content.decode()
    assert client.post(url, form_fields(page, "historicaltreaty_form")).status_code == 403
    record.refresh_from_db()
    assert record.title == "New"


def test_no_group_holds_a_permission_on_the_data_version(editor, publisher):
    """The data version changes with the data alone (``data_changed``): no
    editor or publisher may add, change, view or delete it by hand, also
    after ``sync_roles`` (run after adding a model) gave the groups theirs."""
    call_command("sync_roles")
    for user in (editor, publisher):
        user = type(user).objects.get(pk=user.pk)  # permissions are cached per user object
        for action in ("add", "change", "view", "delete"):
            assert not user.has_perm(f"diplomacy.{action}_dataversion"), (user, action)
    assert editor.has_perm("diplomacy.change_treaty")  # the groups hold their other permissions


@pytest.mark.parametrize("model", list(HISTORY_MODELS))
def test_only_who_may_delete_a_record_may_bring_it_back_from_its_history(editor, publisher, model):
    """A publisher deleted the record: an editor, who may not delete, may not
    undo that either (its revert page would recreate it); a publisher may."""
    editor_client, publisher_client = Client(), Client()
    editor_client.force_login(editor)
    publisher_client.force_login(publisher)
    record, first = two_versions(model, first_published=False)
    url = f"/admin/diplomacy/{model}/{record.pk}/history/{first.history_id}/"
    form = form_fields(publisher_client.get(url), f"historical{model}_form")
    model_class, pk = type(record), record.pk
    record.delete()

    assert editor_client.post(url, form).status_code == 403
    assert not model_class.objects.filter(pk=pk).exists()
    assert publisher_client.post(url, form).status_code == 302
    assert model_class.objects.filter(pk=pk).exists()


def test_a_revert_is_held_to_the_rules_of_the_change_form(publisher):
    """The revert page has no party rows, but the treaty's parties are there:
    a version made an alliance with one party, signed after a party joined,
    or signed when a party that joined on signing no longer existed, is
    refused with the change form's message."""
    from diplomacy.models import StatePeriod, TreatyParty

    client = Client()
    client.force_login(publisher)
    treaty = TreatyFactory(kind="agreement", signed_on=datetime.date(2020, 1, 1))
    TreatyParty.objects.create(
        treaty=treaty, state=StateFactory(), consented_on=datetime.date(2021, 3, 1)
    )
    treaty.title = "Renamed"
    treaty.save()
    version = treaty.history.earliest()
    url = f"/admin/diplomacy/treaty/{treaty.pk}/history/{version.history_id}/"
    for change, message in (
        ({"kind": "alliance"}, "needs at least two parties"),
        ({"signed_on": "2024"}, "Cannot be before the treaty"),
        ({"signed_on": "1999"}, "Ended State was not a state then"),
    ):
        if "Ended" in message:
            ended = StateFactory(name="Ended State")
            StatePeriod.objects.create(
                state=ended,
                started_on=datetime.date(2000, 1, 1),
                ended_on=datetime.date(2022, 12, 31),
            )
            TreatyParty.objects.create(treaty=treaty, state=ended)
        form = form_fields(client.get(url), "historicaltreaty_form")
        form.update(change)
        response = client.post(url, form)
        assert response.status_code == 200, change
        assert message in response.content.decode(), change
        treaty.refresh_from_db()
        assert (treaty.kind, treaty.signed_on.year) == ("agreement", 2020)


def test_a_deleted_treaty_comes_back_from_its_history_with_what_it_had_then(publisher):
    """A publisher deletes an alliance (two parties, a sector, a citation, an
    identifier, a commitment binding one party), then brings it back from its
    history: it comes back with the parties, links, citations, identifiers
    and commitments it had at the version chosen, not bare (and an alliance
    with no parties would be refused)."""
    from diplomacy.models import Commitment, CommitmentKind, TreatyIdentifier

    client = Client()
    client.force_login(publisher)
    w = world()
    treaty = alliance(w)
    treaty.sectors.set([w["energy"]])
    treaty.citations.create(source=w["source"], quote="The parties signed")
    TreatyIdentifier.objects.create(treaty=treaty, scheme="unts", value="54113")
    commitment = Commitment.objects.create(
        treaty=treaty, kind=CommitmentKind.objects.get(value="defence"), article="Article 4"
    )
    commitment.parties_bound.set([w["az"]])
    treaty.title = "Treaty on Allied Relations (renamed)"
    treaty.save()  # the version to bring back: made after the links
    version = treaty.history.first()
    pk = treaty.pk
    url = f"/admin/diplomacy/treaty/{pk}/history/{version.history_id}/"
    treaty.delete()
    form = form_fields(client.get(url), "historicaltreaty_form")

    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    restored = Treaty.objects.get(pk=pk)
    assert restored.title == "Treaty on Allied Relations (renamed)"
    assert sorted(restored.parties.values_list("iso2", flat=True)) == ["AZ", "UZ"]
    assert list(restored.sectors.values_list("slug", flat=True)) == ["energy"]
    assert list(restored.citations.values_list("quote", flat=True)) == ["The parties signed"]
    assert list(restored.identifiers.values_list("value", flat=True)) == ["54113"]
    (kept,) = restored.commitments.all()
    assert (kept.article, list(kept.parties_bound.values_list("iso2", flat=True))) == (
        "Article 4",
        ["AZ"],
    )
