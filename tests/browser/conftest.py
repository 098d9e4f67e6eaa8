"""Browser journeys: Playwright for Python driving Debian's Chromium.

The platform is served on loopback by pytest-django's ``live_server`` (a threaded server in
this process, over its test database, static files included), with a real Celery worker of
``tests/integration`` on that same database and media folder: what a page does on the
server, the worker follows up (certificates, readiness) as in production. Tests here are
transactional, as the worker sees committed rows only.

Chromium is Debian's (``apt-get install chromium``), never a browser that Playwright
downloads. It is installed here when missing and this process may (root, as in CI);
otherwise the tests skip with the reason, and fail instead when LMS_REQUIRE_SERVICES=1.

Every step of a journey writes a screenshot under ``var/screenshots/<test name>/`` and
checks the page (``Journey.step``):

- nothing scrolls sideways, at the journey's width and at 320 px (WCAG 2.1 reflow, 1.4.10;
  the viewport is narrowed for the check, then restored);
- values stand by their labels;
- languages are declared. The convention every template follows: ``<html>`` carries the
  interface's ``lang`` and ``dir``; content written in a language of its own (a course's
  lessons, whatever authors wrote) sits in an element with class ``content`` or attribute
  ``data-content``, which carries that content's ``lang`` and ``dir`` (``dir="auto"``
  allowed) even when it is the interface's language, so a screen reader and the bidi
  algorithm never guess;
- with JavaScript, axe-core: a serious or critical WCAG 2.1 A or AA violation fails.
"""

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Browser, Page, sync_playwright

from tests.integration.conftest import REPO, Broker, Worker, require, shared_server_broker, worker_start

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox: CI runs as root, where Chromium refuses to start with one. The rest keeps
# the browser off the network (updates, field trials) and off a GPU that is not there.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = REPO / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}
NARROWEST = 320  # the width WCAG's reflow criterion asks a page to fit (1.4.10)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
# The values of label/value lists (dl.facts; figures, aligned to the end, aside) whose text
# does not start on the page's side of their box: a Latin name in an Arabic page, say,
# pushed to the far side of the screen.
MISALIGNED_VALUES = """() => {
  const rtl = getComputedStyle(document.documentElement).direction === "rtl";
  return [...document.querySelectorAll("dl.facts dd:not(.numeric), dl.facts li")].filter((box) => {
    const range = document.createRange();
    range.selectNodeContents(box);
    const text = range.getBoundingClientRect();
    const outer = box.getBoundingClientRect();
    return text.width > 0 && (rtl ? outer.right - text.right : text.left - outer.left) > 1;
  }).map((box) => box.outerHTML.slice(0, 160));
}"""
# Language declarations missing (see the module's docstring): the document's, then any
# content element's.
UNDECLARED_LANGUAGES = """() => {
  const missing = [];
  const root = document.documentElement;
  if (!root.getAttribute("lang") || !["ltr", "rtl"].includes(root.getAttribute("dir"))) {
    missing.push("<html lang=" + root.getAttribute("lang") + " dir=" + root.getAttribute("dir") + ">");
  }
  for (const box of document.querySelectorAll(".content, [data-content]")) {
    if (!box.getAttribute("lang") || !["ltr", "rtl", "auto"].includes(box.getAttribute("dir"))) {
      missing.push(box.outerHTML.slice(0, 160));
    }
  }
  return missing;
}"""
SIDEWAYS_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The competency catalogue and requirement profiles, as the migration seeds them.
CATALOGUE_SEED = import_module("readiness.migrations.0002_catalogue_and_default_profiles").seed


@functools.cache  # asked once per test module: one install attempt is enough
def chromium_missing() -> str:
    """Why Debian's Chromium cannot be used, or "" when it is there (installed first when
    this process is root, as in CI)."""
    if CHROMIUM.exists():
        return ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium, as root)"
    install = ["apt-get", "install", "-y", "chromium"]
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(install, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        # A fresh machine has no package lists yet.
        subprocess.run(["apt-get", "update"], env=environment, capture_output=True)
        result = subprocess.run(install, env=environment, capture_output=True, text=True)
    if CHROMIUM.exists():
        return ""
    return f"apt-get install chromium did not install {CHROMIUM}: {result.stderr[-500:]}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module; each test opens contexts (cookies, viewport) of its own.

    Not one per session: while a browser is open, Playwright's sync API keeps an event loop
    in this thread, which every later test of the session would run beside."""
    problem = chromium_missing()
    require(not problem, problem)
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop running in this thread while the
        # browser is open, and Django refuses ORM calls from a thread with a running loop:
        # a test's own between two browser steps, and the flush after each test. They are
        # synchronous all the same (the loop only waits on the browser; the live server
        # has threads of its own): the check is lifted for as long as the browser lives.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield launched
            launched.close()


@pytest.fixture(scope="session")
def browser_broker(tmp_path_factory) -> Iterator[Broker]:
    broker = shared_server_broker(tmp_path_factory.mktemp("browser-broker"))
    yield broker
    broker.discard()


@pytest.fixture(scope="session")
def browser_worker(django_db_setup, browser_broker, tmp_path_factory) -> Iterator[Worker]:
    """A worker storing files (certificate PDFs) where the live server reads them."""
    worker = worker_start(
        broker=browser_broker,
        log_path=tmp_path_factory.mktemp("browser-worker") / "worker.log",
        env={"LMS_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT)},
    )
    yield worker
    worker.stop()


@pytest.fixture
def platform(live_server, browser_worker, transactional_db) -> Iterator[str]:
    """The platform's address; this process (the live server's threads) publishes to the worker.

    A transactional test's flush empties what migrations seeded: the competency catalogue
    and requirement profiles are seeded again (idempotent), as in tests/integration.
    """
    CATALOGUE_SEED(apps, None)
    with browser_worker.broker.publishing():
        yield live_server.url


# Journeys ---------------------------------------------------------------------------------


class AccessibilityViolation(AssertionError):
    pass


@dataclass
class Journey:
    """A person's browser tab, in one language; ``step`` records what the person sees."""

    page: Page
    base_url: str
    folder: Path
    language: str = "en"
    javascript: bool = True
    steps: list[Path] = field(default_factory=list)

    def t(self, message: str) -> str:
        """``message`` as the platform shows it in this journey's language."""
        with translation.override(self.language):
            return translation.gettext(message)

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def step(self, name: str) -> None:
        """A screenshot of the page, checks that it fits the screen's width and 320 px, that
        values stand by their labels and that languages are declared, then (with
        JavaScript) axe-core over it."""
        path = self.folder / f"{len(self.steps) + 1:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.steps.append(path)
        print(f"screenshot: {path}")
        # WCAG 2.1 reflow (1.4.10), which axe-core does not check: nothing scrolls sideways,
        # not even on a phone; wide tables scroll inside their own box.
        overflow = self.page.evaluate(SIDEWAYS_OVERFLOW)
        assert overflow <= 0, f"The page at step {name!r} ({self.page.url}) is {overflow} px wider than the screen."
        self.check_fits(NARROWEST, name)
        undeclared = self.page.evaluate(UNDECLARED_LANGUAGES)
        assert not undeclared, f"Content without lang and dir at step {name!r} ({self.page.url}): {undeclared}"
        misaligned = self.page.evaluate(MISALIGNED_VALUES)
        assert not misaligned, f"Values away from their labels at step {name!r} ({self.page.url}): {misaligned}"
        if self.javascript:
            accessibility_check(self.page, name)

    def check_fits(self, width: int, name: str) -> None:
        """Nothing scrolls sideways with the viewport ``width`` px wide; the viewport is then
        restored (a screenshot of the narrow page is kept when it does not fit)."""
        viewport = self.page.viewport_size
        assert viewport is not None
        self.page.set_viewport_size({"width": width, "height": viewport["height"]})
        try:
            overflow = self.page.evaluate(SIDEWAYS_OVERFLOW)
            if overflow > 0:
                self.page.screenshot(path=self.folder / f"{len(self.steps):02d}-{name}-{width}px.png", full_page=True)
        finally:
            self.page.set_viewport_size(viewport)
        assert overflow <= 0, (
            f"At {width} px, the page at step {name!r} ({self.page.url}) is {overflow} px wider than the screen."
        )

    def follow_menu(self, link: str) -> None:
        """Clicks ``link`` (a translated name) in the main menu, opening the menu first where
        it is collapsed (narrow screens) as a person would."""
        menu = self.page.get_by_role("navigation", name=self.t("Main"))
        summary = self.page.locator(".nav-menu > summary")
        if summary.count() and summary.is_visible() and not menu.is_visible():
            summary.click()
        menu.get_by_role("link", name=link, exact=True).click()

    def sign_in(self, username: str, password: str) -> None:
        self.open("/accounts/login/")
        self.page.get_by_label(self.t("Username or service number")).fill(username)
        self.page.get_by_label(self.t("Password")).fill(password)
        self.step("sign-in")
        self.page.get_by_role("button", name=self.t("Sign in"), exact=True).click()


def accessibility_check(page: Page, where: str) -> None:
    """axe-core (WCAG 2.1 A and AA rules) in the page: no serious or critical violation."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    for violation in results.response["violations"]:
        if violation not in blocking:
            print(f"axe-core, not blocking, at {where!r}: {violation['id']} ({violation['impact']})")
    if blocking:
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}; " + "; ".join(node["html"][:160] for node in v["nodes"][:5])
            for v in blocking
        )
        raise AccessibilityViolation(f"axe-core at step {where!r} ({page.url}):\n{report}")


@pytest.fixture
def journey_of(request, browser, platform) -> Iterator:
    """Opens journeys: ``journey_of(name, viewport=PHONE, language="ar", javascript=False)``.

    Screenshots go to ``var/screenshots/<test name>/<name>/``, emptied first.
    """
    contexts = []
    test_folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(test_folder, ignore_errors=True)

    def open_journey(name: str, *, viewport: dict | None = None, language: str = "en", javascript: bool = True):
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900},
            java_script_enabled=javascript,
            accept_downloads=True,
            locale=language,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        folder = test_folder / name
        folder.mkdir(parents=True)
        return Journey(context.new_page(), platform, folder, language=language, javascript=javascript)

    yield open_journey
    for context in contexts:
        context.close()
    print(f"screenshots: {test_folder}")
