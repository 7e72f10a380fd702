"""The README's commands work as written on a fresh clone after ``make run``.

Issue 15: ``manage.py createsuperuser`` stopped with "SECRET_KEY must be set
when DEBUG is off". ``make setup`` (which ``make run`` runs) now writes a
git-ignored ``.env`` holding a SECRET_KEY made for the clone, once, and the
settings read it; variables in the environment win over it, and without
either a production start is still refused.

Each test works in a copy of the project (its own ``.env``, its own SQLite
database) and runs ``make`` and ``manage.py`` there as a person would.
"""

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def clone(tmp_path) -> Path:
    """A copy of the project: its own settings (the ``.env`` is read beside
    them), Makefile and manage.py; the code and data linked, not copied."""
    project = tmp_path / "register"
    project.mkdir()
    shutil.copytree(
        ROOT / "config", project / "config", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("manage.py", "Makefile"):
        shutil.copy(ROOT / name, project / name)
    for name in ("diplomacy", "templates", "static", "fixtures", ".venv"):
        (project / name).symlink_to(ROOT / name)
    return project


def bare_environment(project: Path, **extra: str) -> dict:
    """The environment of a fresh shell: no DEBUG, no SECRET_KEY, a new database."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not re.match(r"(DEBUG|SECRET_KEY|DATABASE_URL|DATABASE_REPLICA_URL)(_FILE)?$", name)
    }
    env["DATABASE_URL"] = f"sqlite:///{project / 'db.sqlite3'}"
    env.update(extra)
    return env


def run(project: Path, *command: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=project,
        env=bare_environment(project, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def manage(project: Path, *arguments: str, **extra: str) -> subprocess.CompletedProcess:
    return run(project, sys.executable, "manage.py", *arguments, **extra)


def readme_block(heading: str) -> str:
    """The first shell block under a README heading."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split(f"## {heading}\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


@needs_make
def test_setup_writes_a_local_secret_key_once(clone):
    first = run(clone, "make", ".env")
    assert first.returncode == 0, first.stderr
    written = (clone / ".env").read_text()
    assert re.fullmatch(r"SECRET_KEY=[\w-]{50,}\n", written)
    # Readable by its owner only: it holds a secret.
    assert stat.S_IMODE((clone / ".env").stat().st_mode) == 0o600
    again = run(clone, "make", ".env")
    assert again.returncode == 0, again.stderr
    assert (clone / ".env").read_text() == written


def test_the_env_file_is_not_committed():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=ROOT, capture_output=True, timeout=60
    )
    assert ignored.returncode == 0


@needs_make
def test_the_readme_account_commands_work_after_setup(clone):
    assert run(clone, "make", ".env").returncode == 0
    migrated = manage(clone, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr

    # The README's first command asks for a password at a terminal; a test has
    # none, so it answers through the variables Django reads for --noinput.
    (createsuperuser,) = [
        line.split("#")[0].split()
        for line in readme_block("Editor accounts").splitlines()
        if "createsuperuser" in line
    ]
    admin = run(
        clone,
        *createsuperuser,
        "--noinput",
        "--username=admin",
        "--email=admin@example.org",
        DJANGO_SUPERUSER_PASSWORD="a-long-test-password-1",
    )
    assert admin.returncode == 0, admin.stderr

    # The second, as written (the shell's own quoting), with bash.
    script = readme_block("Editor accounts").split("createsuperuser", 1)[1].split("\n", 1)[1]
    editor = run(clone, "bash", "-e", "-c", script)
    assert editor.returncode == 0, editor.stderr

    users = manage(
        clone,
        "shell",
        "--verbosity=0",
        "-c",
        "from django.contrib.auth.models import User; "
        "print(sorted((u.username, u.is_superuser, [g.name for g in u.groups.all()]) "
        "for u in User.objects.all()))",
    )
    assert users.returncode == 0, users.stderr
    assert users.stdout.strip() == "[('admin', True, []), ('alice', False, ['editors'])]"


def test_without_a_secret_key_a_production_start_is_refused(clone):
    """No .env and no SECRET_KEY: DEBUG is off, so nothing may start."""
    refused = manage(clone, "check")
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr


def test_the_environment_wins_over_the_env_file(clone):
    (clone / ".env").write_text(
        "# written by hand\n\nSECRET_KEY=from-the-file-0123456789\nexport DEBUG='1'\n"
    )
    show = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"

    from_file = manage(clone, "shell", "--verbosity=0", "-c", show)
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout.split() == ["True", "from-the-file-0123456789"]

    from_environment = manage(
        clone,
        "shell",
        "--verbosity=0",
        "-c",
        show,
        DEBUG="0",
        SECRET_KEY="from-the-environment-0123456789",
    )
    assert from_environment.returncode == 0, from_environment.stderr
    assert from_environment.stdout.split() == ["False", "from-the-environment-0123456789"]


def test_a_malformed_env_file_names_its_line(clone):
    (clone / ".env").write_text("SECRET_KEY=abc\nthis is not a setting\n")
    refused = manage(clone, "check")
    assert refused.returncode != 0
    assert ".env, line 2" in refused.stderr
