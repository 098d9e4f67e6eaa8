"""A real browser under the Content-Security-Policy: pages that need JavaScript (the
Django admin, the API docs) still work, and the browser reports no refused script or
style on them, on the browsable API or on the site's own pages."""

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe

from lms.audit.services import audit_record
from organisations import services
from organisations.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.integration

PASSWORD = "Correct-Horse-9"
PAGES = ["/", "/audit/", "/admin/", "/admin/audit/auditentry/", "/api/v1/me/"]


@pytest.fixture
def root(transactional_db):
    """An admin with one audited change."""
    admin = UserFactory(username="root", first_name="Ama")
    services.role_grant(user=admin, role=Role.ADMIN, unit=None)
    audit_record(
        actor=admin,
        action="certificate.revoke",
        target=admin,
        before={"status": "valid", "reason": ""},
        after={"status": "revoked"},
        reason="Issued in error",
    )
    return admin


@pytest.fixture
def watched(browser, root):
    """A page of the module's Chromium, and the policy refusals it logs to its console."""
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield SimpleNamespace(page=page, refused=refused)
    context.close()


def test_the_admin_and_the_api_docs_work_under_the_policy(live_server, root, watched):
    page = watched.page

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
    # The admin's script draws the two-list picker of a user's groups: it is there only if it ran.
    page.goto(f"{live_server.url}/admin/organisations/user/{root.pk}/change/")
    page.wait_for_selector("select#id_groups_from")
    # Swagger UI is drawn by JavaScript from the schema: an operation appears only if it ran.
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector("#swagger-ui .opblock", timeout=20_000)

    assert watched.refused == []


def test_the_audit_trail_page_has_no_accessibility_violation(live_server, watched):
    page = watched.page
    page.goto(f"{live_server.url}/accounts/login/?next=/audit/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/audit/")

    violations = Axe().run(page).response["violations"]

    assert [(violation["id"], [node["target"] for node in violation["nodes"]]) for violation in violations] == []
    assert page.locator("table.audit-trail tbody tr").count() == 2
    assert watched.refused == []
