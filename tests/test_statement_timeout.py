"""A web request cannot hold the database: its queries run under a timeout.

Issue 15: one anonymous request repeated 300 times grew a count query until
the kernel killed the PostgreSQL backend; no statement timeout was set. Web
processes now run every statement under ``DATABASE_STATEMENT_TIMEOUT``; a
query cut off answers 503 with a message, and the next request is served.
The CSV export streams a whole filtered set and is not cut off, and neither
are management commands (migrations, backups, imports).

Each check runs in a child process started with a tiny timeout, as a web
server or ``manage.py`` would start: the timeout is fixed when a process
connects. The views below are this test's own (a slow query, a slow export).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from diplomacy import exports
from diplomacy.models import State
from tests.factories import StateFactory

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the statement timeout is PostgreSQL's; SQLite has none to set",
    ),
]


def sleep(seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])


def slow_page(request):
    sleep(float(request.GET.get("seconds", "1")))
    return HttpResponse("answered")


def slow_export(request):
    """A CSV export whose every row runs a query longer than the timeout."""

    def slow_cell(state):
        sleep(0.3)
        return "slow"

    columns = [("iso2", lambda state: state.iso2), ("slow", slow_cell)]
    return exports.csv_response(State.objects.order_by("iso2"), columns, "slow.csv")


urlpatterns = [
    path("slow/", slow_page),
    path("api/v1/slow/", slow_page),
    path("slow-export.csv", slow_export),
]

# Run in the child: the requests go through the whole middleware stack.
WEB_REQUESTS = """
import json, sys
import config.wsgi  # a web process, as gunicorn starts one
from django.test import Client
from django.test.utils import override_settings

answers = []
with override_settings(ROOT_URLCONF="tests.test_statement_timeout"):
    client = Client()
    for url in sys.argv[1:]:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        answers.append(
            {"status": response.status_code, "body": body.decode(),
             "type": response["Content-Type"]}
        )
print(json.dumps(answers))
"""


def child_env(timeout_ms: int) -> dict:
    """The test database, a tiny statement timeout, production's other settings."""
    env = dict(os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env["DATABASE_STATEMENT_TIMEOUT"] = str(timeout_ms)
    env["ALLOWED_HOSTS"] = "testserver"
    return env


def in_child(script: str, *args: str, timeout_ms: int):
    """What ``script`` prints last, as JSON, run in a web process of its own."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=child_env(timeout_ms),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def web_requests(*urls: str, timeout_ms: int = 200) -> list[dict]:
    return in_child(WEB_REQUESTS, *urls, timeout_ms=timeout_ms)


@pytest.fixture
def committed_states(transactional_db):
    """Rows the child process can read (this test's transaction would hide them)."""
    for iso2 in ("AZ", "UZ", "KZ"):
        StateFactory(iso2=iso2)


def test_a_query_over_the_timeout_answers_503_and_the_next_request_is_served():
    slow, fast, slow_api = web_requests("/slow/?seconds=2", "/slow/?seconds=0", "/api/v1/slow/")

    assert slow["status"] == 503
    assert "took too long" in slow["body"]
    assert slow["type"].startswith("text/html")
    # The connection was not lost with the query: the next request is answered.
    assert (fast["status"], fast["body"]) == (200, "answered")
    # The API answers in JSON, as everywhere else.
    assert slow_api["status"] == 503
    assert "took too long" in json.loads(slow_api["body"])["detail"]


def test_a_query_within_the_timeout_is_answered():
    (answer,) = web_requests("/slow/?seconds=0.05", timeout_ms=2000)
    assert answer["status"] == 200


def test_the_csv_export_streams_past_the_timeout(committed_states):
    """Each row's query takes longer than the timeout; the download completes."""
    export, after = web_requests("/slow-export.csv", "/slow/?seconds=1")
    assert export["status"] == 200
    assert export["body"].splitlines() == ["iso2,slow", "AZ,slow", "KZ,slow", "UZ,slow"]
    # The timeout binds the requests that follow on the same connection again.
    assert after["status"] == 503


def test_management_commands_are_not_cut_off():
    script = "from django.db import connection; connection.cursor().execute('SELECT pg_sleep(0.5)')"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=child_env(100),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


SHOW_SETTINGS = """
import json
import config.wsgi  # a web process, as gunicorn starts one
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT current_setting('jit'), current_setting('statement_timeout')")
    print(json.dumps(cursor.fetchone()))
"""


@pytest.mark.parametrize(
    ("timeout_ms", "expected"),
    [
        # PostgreSQL's JIT compiled the partners of the busiest state, at a
        # million treaties, for longer than the query then ran: it is off.
        (200, ["off", "200ms"]),
        # 0 sends no startup options, as a pooler that refuses them needs:
        # the server's own settings apply (the role's, behind PgBouncer).
        (0, [None, "0"]),
    ],
)
def test_a_web_process_opens_its_connections_without_jit(timeout_ms, expected):
    jit, timeout = in_child(SHOW_SETTINGS, timeout_ms=timeout_ms)
    assert [jit if expected[0] else None, timeout] == expected
