"""A real Chromium (Debian's package) driven by Playwright against the live server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        pytest.skip(
            "Browser tests need Chromium: install Debian's package with "
            "`apt-get install chromium` (CI does) or set CHROMIUM_PATH."
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the database
    # calls the tests make around it are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def admin_context(browser, live_server):
    """A browser context for the admin, whose JavaScript (autocomplete, slugs) needs
    the hashed static files. The live server answers /static/ from the apps' own
    folders (unhashed names), so these requests are answered from the collected
    STATIC_ROOT, as WhiteNoise does in production."""
    from urllib.parse import unquote, urlsplit

    from django.conf import settings

    root = Path(settings.STATIC_ROOT)

    def serve(route):
        name = unquote(urlsplit(route.request.url).path).removeprefix(settings.STATIC_URL)
        file = (root / name).resolve()
        if file.is_file() and root.resolve() in file.parents:
            route.fulfill(path=file)
        else:
            route.fulfill(status=404)

    contexts = []

    def new_context():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route(f"{live_server.url}{settings.STATIC_URL}**", serve)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()
