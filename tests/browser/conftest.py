"""Browser-test fixtures: one headless Debian Chromium for the session, a fresh context per test.

Playwright drives the system browser at /usr/bin/chromium (never a downloaded one). axe-core is evaluated through
the DevTools protocol (page.evaluate), which the pages' strict CSP does not govern, so the contexts keep CSP on and
every test can check that the page itself breaks no CSP rule.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, and axe's best practices (landmarks, heading order, one h1 ...) as well.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 10_000


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (run `make browser` to install Debian's Chromium)"
    if not AXE.exists():
        return f"{AXE} is missing (run `npm ci`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


MISSING = _missing()


def pytest_collection_modifyitems(config, items):
    """Every test in tests/browser drives Chromium: mark it."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def require_browser() -> None:
    """Called at the top of each browser test module: skip it where Chromium cannot be found, except where
    RESOLVE_REQUIRE_BROWSER=1 (CI), where that is a failure."""
    if MISSING:
        if os.environ.get("RESOLVE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests cannot run: {MISSING}", pytrace=False)
        pytest.skip(f"browser tests skipped: {MISSING}", allow_module_level=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        pytest.fail("Playwright's sync API cannot run inside an asyncio event loop")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleLog:
    """Console errors and uncaught page errors, collected for every page of a context."""

    def __init__(self):
        self.errors: list[str] = []

    def attach(self, page):
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"{msg.text} at {msg.location}"))
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    @property
    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e]


@pytest.fixture
def console():
    """The console errors of the test's pages."""
    return ConsoleLog()


def _new_page(browser, live_url, console, **options):
    context = browser.new_context(base_url=live_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    console.attach(page)
    return page


@pytest.fixture
def page(browser, app, live_url, console):
    """A page in a fresh context (its own cookies), with JavaScript and the site's CSP in force."""
    page = _new_page(browser, live_url, console)
    yield page
    page.context.close()


@pytest.fixture
def page_without_js(browser, app, live_url, console):
    """A page in a fresh context with JavaScript turned off, as some people browse."""
    page = _new_page(browser, live_url, console, java_script_enabled=False)
    yield page
    page.context.close()


_axe_source: str | None = None


def check_accessibility(page) -> None:
    """Run axe-core (WCAG 2.2 A and AA rules, best practices) on the page as it is now; fail listing each violation."""
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated over the DevTools protocol, so the page's CSP (no inline scripts, no eval) allows it.
        page.evaluate(f"(() => {{ {_axe_source}\n; return true; }})()")
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    violations = results["violations"]
    assert not violations, f"axe found violations on {page.url} ({page.title()}):\n" + "\n".join(
        f"- {v['id']} [{v['impact']}]: {v['help']}\n  "
        + "\n  ".join(f"{json.dumps(n['target'])}: {n['failureSummary']}".replace("\n", " ") for n in v["nodes"])
        for v in violations
    )
