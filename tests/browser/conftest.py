"""Browser fixtures: Debian's Chromium driven by the Python playwright package (never `playwright install`).

The sandbox is the session's `world` (tests/conftest.py); one Chromium serves every test in this folder, and
each test gets a fresh browser context, so its sessionStorage (where the page keeps the facility key) starts empty.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


# Package scope, not session: between its sync calls playwright marks its own asyncio loop as the main
# thread's running loop, so while it is open any later test calling asyncio.run() in the main thread
# (pyHanko's signature validation in tests/flow) fails. The browser closes after the last test here.
@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (.ci/run installs Debian's chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(browser):
    """A fresh browser context's page; fails the test on any uncaught script error."""
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


@pytest.fixture
def page(tab, world):
    """The hospital page, freshly opened."""
    tab.goto(f"{world.gateway.url}/hospital")
    return tab
