"""Shared fixtures: personas (anonymous, editor, publisher) and static files."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from diplomacy.roles import EDITORS, PUBLISHERS, sync_roles
from tests.factories import UserFactory


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Tests run with DEBUG off, so pages need the hashed static manifest, as in production."""
    from django.conf import settings

    root = tmp_path_factory.mktemp("static")
    settings.STATIC_ROOT = root
    call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with every cache empty: no page, value or throttle count leaks."""
    from diplomacy.caching import clear_all

    clear_all()
    yield
    clear_all()


def _staff_in(group_name: str, username: str):
    if not Group.objects.filter(name=group_name).exists():
        # A transactional test before this one flushed the migration's groups.
        from django.apps import apps

        sync_roles(apps)
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return _staff_in(EDITORS, "editor")


@pytest.fixture
def publisher(db):
    return _staff_in(PUBLISHERS, "publisher")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client
