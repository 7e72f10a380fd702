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


def serve_static(context, live_server) -> None:
    """Answer the context's requests for static files from the collected
    STATIC_ROOT, as WhiteNoise does in production: pages link the hashed
    names, and the live server answers /static/ from the apps' own folders
    (unhashed names) only. Without this a page has no stylesheet or script."""
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

    context.route(f"{live_server.url}{settings.STATIC_URL}**", serve)


@pytest.fixture
def page(browser, live_server):
    # The site as a visitor gets it: its stylesheet (which lays out the
    # filter form) and its script.
    context = browser.new_context()
    serve_static(context, live_server)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def admin_context(browser, live_server):
    """A browser context for the admin, whose JavaScript (autocomplete, slugs)
    needs the hashed static files."""
    contexts = []

    def new_context():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        serve_static(context, live_server)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()
