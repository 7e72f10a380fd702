"""Every URL of the project, every method, as an anonymous visitor and as an editor.

Anonymous clients never write; editors never delete or publish; nobody gets a
server error; a refused request changes nothing.
"""

import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from diplomacy.models import Treaty
from tests.factories import OrganizationFactory, PersonFactory, ProjectFactory, VisitFactory
from tests.helpers import alliance, world

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
