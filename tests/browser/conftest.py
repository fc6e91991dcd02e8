"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright, headless.

One browser per test module (starting Chromium is the slow part); each test gets a fresh server and
database, and fresh browser contexts (their own cookies and storage) from ``open_page``. Browser tests
run on their module's event loop, so the server, the database client and the browser share it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import async_playwright

from tests.browser import pages
from tests.support import seed_world, start_server

CHROMIUM = os.environ.get("ADVOCACY_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.asyncio(loop_scope="module"), append=False)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():  # noqa: ASYNC240  (once a module, before any test runs)
        pytest.fail(f"Chromium is needed at {CHROMIUM} for browser tests: apt-get install -y chromium")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="module")
async def server(database_uri: str, database_name: str):
    async with start_server(database_uri, database_name) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def world(server):
    return await seed_world(server)


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def _close_pages(server):
    """Close the test's browser contexts before its server stops (open sockets would slow the stop)."""
    yield
    await pages.close_all()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
