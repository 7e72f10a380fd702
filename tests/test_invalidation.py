"""Every way of changing the register shows at once on every app server.

Two real app servers (gunicorn, one worker each, page cache on) share a
database of their own and, in one half of the runs, Redis. Each write goes
through server A (admin, API), a management command or raw SQL in another
process; server B, which had the pages cached, must show the change on its
next request: record page, list, CSV, feed, API record and API list alike.
Then the same with a lagging replica behind server B: it answers with what
the replica holds, and never keeps that under a newer version of the data.
"""

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "a-long-test-password-1"  # tests.factories.UserFactory's
TOKEN = "1nval1dat10n0000000000000000000000000000"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

# (slug, title, published): one record per write path, so the tests stay independent.
TREATIES = [
    ("restored-accord", "Restored accord", True),
    ("admin-edit", "Admin edit before", True),
    ("draft-to-publish", "Draft to publish", False),
    ("revert-me", "Original wording", True),
    ("api-update", "API update before", True),
    ("api-delete", "API delete target", True),
    ("raw-sql", "Raw SQL before", True),
    ("lag-me", "Lag before", True),
]

SEED = f"""
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from diplomacy.models import Treaty
from diplomacy.roles import PUBLISHERS
from tests.factories import StateFactory, TreatyFactory, UserFactory

publisher = UserFactory(username="publisher", is_staff=True)
publisher.groups.add(Group.objects.get(name=PUBLISHERS))
Token.objects.create(user=publisher, key={TOKEN!r})
az = StateFactory(iso2="AZ", iso3="AZE", name="Azerbaijan", slug="azerbaijan")
uz = StateFactory(iso2="UZ", iso3="UZB", name="Uzbekistan", slug="uzbekistan")
for slug, title, published in {TREATIES!r}:
    TreatyFactory(slug=slug, title=title, is_published=published, parties=[az, uz])
edited = Treaty.objects.get(slug="revert-me")
edited.title = "Edited wording"
edited.save()
"""


def record_surfaces(slug: str) -> list[str]:
    """Everything that shows a treaty to the public."""
    return [
        f"/treaties/{slug}/",
        "/treaties/",
        "/treaties/export.csv",
        "/treaties/feed/",
        f"/api/v1/treaties/{slug}/",
        "/api/v1/treaties/",
    ]


# -- the servers' databases -------------------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _postgres_admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


class Databases:
    """Databases of the servers, apart from the test run's own: an empty
    migrated one to copy, and copies of it (a file copy on SQLite, a
    database made from it as a template on PostgreSQL)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.postgres = _postgres_url()
        self.made: list[str] = []
        self.prefix = f"inval_{os.getpid()}"
        self.empty = self.new("empty")
        manage(self.env(self.empty), "migrate", "--noinput", "--verbosity", "0")

    def new(self, name: str, template: str | None = None) -> str:
        if self.postgres:
            database = f"{self.prefix}_{name}"
            self.made.append(database)
            copy = f" TEMPLATE {urlsplit(template).path[1:]}" if template else ""
            _postgres_admin(
                self.postgres,
                f"DROP DATABASE IF EXISTS {database} WITH (FORCE)",
                f"CREATE DATABASE {database}{copy}",
            )
            return _with_database(self.postgres, database)
        path = self.folder / f"{name}.sqlite3"
        if template:
            shutil.copyfile(sqlite_path(template), path)
        return f"sqlite:///{path}"

    def copy_of_empty(self, name: str) -> str:
        return self.new(name, template=self.empty)

    def env(self, database_url: str, **extra: str) -> dict:
        return server_env(self.folder, database_url, **extra)

    def drop(self) -> None:
        if self.postgres:
            _postgres_admin(
                self.postgres,
                *(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in self.made),
            )


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def server_env(folder: Path, database_url: str, **extra: str) -> dict:
    """The environment of a server or command: the test run's settings, its
    own database, the page cache on, no static manifest needed."""
    module = folder / "invalidation_settings.py"
    if not module.exists():
        module.write_text(
            f"from {settings.SETTINGS_MODULE} import *  # noqa: F403\n"
            "STORAGES = {**STORAGES, 'staticfiles': "
            "{'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
            # Plain HTTP between the tests and the servers: cookies without TLS.
            "SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False\n"
        )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="invalidation_settings",
        PYTHONPATH=os.pathsep.join([str(folder), str(ROOT)]),
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY="test-only-secret-key-for-the-invalidation-servers-0123456789",
        SECURE_SSL_REDIRECT="0",
        PAGE_CACHE_SECONDS="600",
        API_ANON_RATE="none",
        CACHE_KEY_PREFIX=f"inval-{os.getpid()}-{time.monotonic_ns()}",
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# -- the servers -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    env: dict
    url: str = ""
    process: subprocess.Popen | None = None
    log: Path | None = None

    def start(self, folder: Path) -> "Server":
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = folder / f"{self.name}-{port}.log"
        env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "2",
        }
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=10).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server {self.name} did not start:\n{self.log.read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def text(self, path: str) -> str:
        return self.get(path).text


@dataclass
class Site:
    """Two app servers over one database: A takes the writes, B must follow."""

    a: Server
    b: Server
    database_url: str
    env: dict
    folder: Path
    api: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self):
        self.api.headers["Authorization"] = f"Token {TOKEN}"

    def warm(self, paths: list[str]) -> None:
        """Each page read twice on each server: cached wherever it can be."""
        for server in (self.a, self.b):
            for path in paths:
                server.get(path)
                server.get(path)

    def shows(self, paths: list[str], text: str, present: bool = True) -> list[str]:
        """The (server, path) pairs that do not match: empty when all do."""
        wrong = []
        for server in (self.b, self.a):
            for path in paths:
                if (text in server.text(path)) is not present:
                    wrong.append(f"{server.name} {path}")
        return wrong

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("invalidation")
    made = Databases(folder)
    # A backup of a seeded copy: server pairs start empty and restore it.
    seeded = made.copy_of_empty("seeded")
    manage(made.env(seeded), "shell", "-c", SEED)
    backup = folder / "seed.xml"
    manage(made.env(seeded), "backup", "--output", str(backup))
    made.backup = backup
    yield made
    made.drop()


def _redis_or_skip(variant: str) -> dict:
    if variant == "no-redis":
        return {}
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return {"REDIS_URL": REDIS_URL}


@pytest.fixture(scope="module", params=["no-redis", "redis"])
def site(request, databases):
    """Two servers over a fresh empty database; pages cached empty, then the
    seed backup restored (the restore is the first write path tested)."""
    database_url = databases.copy_of_empty(f"site_{request.param.replace('-', '_')}")
    env = databases.env(database_url, **_redis_or_skip(request.param))
    a = Server("A", env).start(databases.folder)
    b = Server("B", env).start(databases.folder)
    site = Site(a, b, database_url, env, databases.folder)
    try:
        site.warm(record_surfaces("restored-accord"))
        assert b.get("/treaties/").headers.get("X-Cache") == "hit"  # the page cache is on
        site.manage("restore", str(databases.backup))
        yield site
    finally:
        a.stop()
        b.stop()


# -- the admin, as a browser uses it -----------------------------------------------------


class FormReader(HTMLParser):
    """The fields a browser would submit from the form whose id matches."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = re.compile(form_id)
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.select_options: list[tuple[str, bool]] = []
        self.multiple = False
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = bool(self.form_id.fullmatch(attrs.get("id") or ""))
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select, self.select_options = name, []
            self.multiple = "multiple" in attrs
        elif tag == "option" and self.select:
            self.select_options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            chosen = [value for value, selected in self.select_options if selected]
            if not chosen and not self.multiple and self.select_options:
                chosen = [self.select_options[0][0]]
            self.fields += [(self.select, value) for value in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    reader = FormReader(form_id)
    reader.feed(html)
    assert reader.fields, f"no form {form_id!r} on the page"
    return reader.fields


class Admin:
    """The publisher, signed in to the admin of one server."""

    def __init__(self, server: Server):
        self.base = server.url
        self.session = requests.Session()
        login = self.session.get(self.base + "/admin/login/").text
        response = self.submit(
            "/admin/login/?next=/admin/",
            login,
            "login-form",
            {"username": "publisher", "password": PASSWORD},
        )
        assert response.status_code == 302, "the publisher could not sign in"

    def get(self, path: str) -> str:
        response = self.session.get(self.base + path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        return response.text

    def submit(self, path: str, page: str, form_id: str, changes: dict) -> requests.Response:
        fields = [(name, v) for name, v in form_fields(page, form_id) if name not in changes]
        return self.session.post(
            self.base + path,
            data=fields + list(changes.items()),
            headers={"Referer": self.base + path},
            allow_redirects=False,
        )

    def treaty_pk(self, slug: str) -> str:
        page = self.get(f"/admin/diplomacy/treaty/?q={slug}")
        return re.search(r"/admin/diplomacy/treaty/(\d+)/change/", page).group(1)


def saved(response: requests.Response) -> None:
    assert response.status_code == 302, response.text[:3000]


# -- each write path, and what the public reads -------------------------------------------------


def test_restore(site):
    paths = record_surfaces("restored-accord")
    assert site.shows(paths, "Restored accord") == []


def test_admin_save(site):
    paths = record_surfaces("admin-edit")
    site.warm(paths)
    admin = Admin(site.a)
    url = f"/admin/diplomacy/treaty/{admin.treaty_pk('admin-edit')}/change/"
    saved(admin.submit(url, admin.get(url), "treaty_form", {"title": "Admin edit after"}))
    assert site.shows(paths, "Admin edit after") == []


def test_admin_publish_action(site):
    paths = record_surfaces("draft-to-publish")
    site.warm(paths)
    assert site.shows(paths, "Draft to publish", present=False) == []
    admin = Admin(site.a)
    pk = admin.treaty_pk("draft-to-publish")
    changelist = "/admin/diplomacy/treaty/"
    action = {"action": "publish", "_selected_action": pk, "index": "0", "select_across": "0"}
    saved(admin.submit(changelist, admin.get(changelist), "changelist-form", action))
    assert site.shows(paths, "Draft to publish") == []


def test_history_revert(site):
    paths = record_surfaces("revert-me")
    site.warm(paths)
    assert site.shows(paths, "Edited wording") == []
    admin = Admin(site.a)
    pk = admin.treaty_pk("revert-me")
    history = admin.get(f"/admin/diplomacy/treaty/{pk}/history/")
    versions = re.findall(rf"/admin/diplomacy/treaty/{pk}/history/(\d+)/", history)
    first = min(versions, key=int)
    url = f"/admin/diplomacy/treaty/{pk}/history/{first}/"
    saved(admin.submit(url, admin.get(url), r"\w+_form", {"_save": "Save"}))
    assert site.shows(paths, "Original wording") == []


def test_api_create(site):
    paths = record_surfaces("api-created")
    site.warm(paths)
    treaty = {
        "slug": "api-created",
        "title": "Created through the API",
        "kind": "agreement",
        "signed_on": "2024-03-01",
        "parties": [{"state": "az"}, {"state": "uz"}],
        "is_published": True,
    }
    response = site.api.post(site.a.url + "/api/v1/treaties/", json=treaty)
    assert response.status_code == 201, response.text
    assert site.shows(paths, "Created through the API") == []


def test_api_update(site):
    paths = record_surfaces("api-update")
    site.warm(paths)
    url = site.a.url + "/api/v1/treaties/api-update/"
    response = site.api.patch(url, json={"title": "API update after"})
    assert response.status_code == 200, response.text
    assert site.shows(paths, "API update after") == []


def test_api_delete(site):
    paths = record_surfaces("api-delete")
    site.warm(paths)
    response = site.api.delete(site.a.url + "/api/v1/treaties/api-delete/")
    assert response.status_code == 204, response.text
    assert site.shows(paths, "API delete target", present=False) == []


def test_import_command(site):
    paths = record_surfaces("imported-accord")
    site.warm(paths)
    rows = site.folder / f"import-{site.b.url.rsplit(':', 1)[1]}.csv"
    rows.write_text(
        "title,slug,kind,signed_on,parties\n"
        "Imported accord,imported-accord,agreement,2024-08,AZ;UZ\n"
    )
    site.manage("import_records", str(rows), "--kind", "treaty", "--publish", "--user", "publisher")
    assert site.shows(paths, "Imported accord") == []


def test_raw_sql_then_data_changed(site):
    paths = record_surfaces("raw-sql")
    site.warm(paths)
    site.manage(
        "shell",
        "-c",
        "from django.db import connection, transaction\n"
        "from diplomacy.caching import data_changed\n"
        "with transaction.atomic():\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute(\"UPDATE diplomacy_treaty SET title = 'Raw SQL after'"
        " WHERE slug = 'raw-sql'\")\n"
        "    data_changed()\n",
    )
    assert site.shows(paths, "Raw SQL after") == []


@pytest.mark.django_db
@override_settings(PAGE_CACHE_SECONDS=600)
def test_generate_synthetic_in_this_process():
    """Rows written by COPY or executemany send no signal: the command's own
    data_changed() is what shows them (sectors and sources exist already)."""
    from diplomacy.models import Treaty

    def listed() -> set[str]:
        return set(re.findall(r'href="/treaties/(synthetic-[\w-]+)/"', page.content.decode()))

    call_command("load_countries", verbosity=0)
    call_command("generate_synthetic", "--treaties", "4", "--seed", "1", stdout=None)
    Client().get("/treaties/")
    page = Client().get("/treaties/")
    assert page["X-Cache"] == "hit"
    before = listed()
    call_command("generate_synthetic", "--treaties", "4", "--seed", "2", stdout=None)
    page = Client().get("/treaties/")
    published = Treaty.objects.published().filter(slug__startswith="synthetic-")
    assert listed() == set(published.values_list("slug", flat=True))
    assert len(listed()) > len(before)


# -- a lagging replica -------------------------------------------------------------------


@pytest.fixture(scope="module", params=["no-redis", "redis"])
def lagging(request, databases):
    """Server A on the primary; server B reads anonymous requests from a
    replica, a copy of the primary that is brought up to date on demand."""
    if databases.postgres:
        pytest.skip("the lagging replica is a SQLite copy: this runs in the SQLite run")
    primary = databases.copy_of_empty(f"primary_{request.param.replace('-', '_')}")
    env = databases.env(primary, **_redis_or_skip(request.param))
    manage(env, "restore", str(databases.backup))
    replica = databases.folder / f"replica_{request.param.replace('-', '_')}.sqlite3"

    def catch_up():
        # SQLite's backup API copies under the proper locks, while B keeps
        # its connection to the replica open.
        with sqlite3.connect(sqlite_path(primary)) as source, sqlite3.connect(replica) as target:
            source.backup(target)

    catch_up()
    a = Server("A", env).start(databases.folder)
    b = Server("B", {**env, "DATABASE_REPLICA_URL": f"sqlite:///{replica}"}).start(databases.folder)
    site = Site(a, b, primary, env, databases.folder)
    site.catch_up = catch_up
    try:
        yield site
    finally:
        a.stop()
        b.stop()


def test_a_lagging_replica_never_caches_old_rows_under_the_new_version(lagging):
    paths = ["/treaties/lag-me/", "/treaties/", "/api/v1/treaties/lag-me/"]
    lagging.warm(paths)
    response = lagging.api.patch(
        lagging.a.url + "/api/v1/treaties/lag-me/", json={"title": "Lag after"}
    )
    assert response.status_code == 200, response.text
    # B's replica has not replayed the edit yet: B shows what it holds.
    for path in paths:
        assert "Lag before" in lagging.b.text(path)
    lagging.catch_up()
    assert lagging.shows(paths, "Lag after") == []
