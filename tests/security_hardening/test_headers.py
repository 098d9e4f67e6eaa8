"""Security headers on every response, and pages that the Content-Security-Policy does
not break: no inline script, event handler or style anywhere a browser would refuse it."""

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.http import HttpResponse
from django.urls import reverse

from lms.security import ContentSecurityPolicyMiddleware
from organisations.models import User

REPO = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# What a policy without 'unsafe-inline' refuses: a script element without src (a JSON data
# block is never run, so it passes), an on*= handler, a <style> element, a style= attribute.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>|<style\b|\son[a-z]+\s*=|\sstyle\s*=",
    re.IGNORECASE,
)
ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def inline_code(html: str) -> list[str]:
    return [html[max(0, match.start() - 60) : match.end() + 40] for match in INLINE.finditer(html)]


def assert_headers(response) -> None:
    assert response["Content-Security-Policy"] == POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/accounts/login/", 200),
        ("/", 302),
        ("/no-such-page/", 404),
        ("/api/v1/me/", 401),
        ("/api/docs/", 200),
    ],
)
def test_every_kind_of_response_carries_the_security_headers(client, path, status):
    response = client.get(path)

    assert response.status_code == status
    assert_headers(response)


def test_a_stricter_policy_set_by_a_view_is_kept(rf):
    """Lesson attachments (courses/views/attachments.py) are served sandboxed."""
    own = "default-src 'none'; sandbox"
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(headers={"Content-Security-Policy": own}))

    assert middleware(rf.get("/"))["Content-Security-Policy"] == own


def test_static_files_carry_the_policy_which_also_forbids_framing(client):
    response = client.get("/static/css/site.css")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_signed_in_pages_and_the_admin_carry_the_same_policy(client, people):
    client.force_login(people.admin)

    for path in ("/", reverse("admin:index"), reverse("admin:audit_auditentry_changelist")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_headers(response)


def test_no_template_holds_inline_script_or_style():
    templates = sorted((REPO / "templates").rglob("*.html"))
    found = {str(path.relative_to(REPO)): inline_code(path.read_text()) for path in templates}

    assert len(templates) > 50
    assert {path: hits for path, hits in found.items() if hits} == {}


@pytest.mark.django_db
def test_the_browsable_api_loads_its_styles_from_files(client, people):
    client.force_login(people.trainee)

    html = client.get("/api/v1/me/", HTTP_ACCEPT="text/html").content.decode()

    assert inline_code(html) == []
    assert '<link rel="stylesheet" type="text/css" href="/static/rest_framework/css/bootstrap.min.css"/>' in html
    assert '<link rel="stylesheet" type="text/css" href="/static/rest_framework/css/default.css"/>' in html


@pytest.mark.django_db
def test_the_api_docs_page_loads_its_styles_and_script_from_files(client):
    html = client.get("/api/docs/").content.decode()

    assert inline_code(html) == []
    assert '<link rel="stylesheet" href="/static/css/api-docs.css">' in html
    assert re.search(r'<script src="/api/docs/\?[^"]*script=">', html)


@pytest.mark.django_db
@pytest.mark.parametrize("model", ADMIN_MODELS, ids=[model._meta.label for model in ADMIN_MODELS])
def test_every_admin_list_and_form_runs_under_the_policy(client, rf, people, model):
    """The list, the add form and an object's page (the fixtures make users, units,
    officers, role grants and audit entries)."""
    client.force_login(people.admin)
    request = rf.get("/")
    request.user = people.admin
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    pages = [reverse(f"{name}_changelist")]
    if admin.site._registry[model].has_add_permission(request):
        pages.append(reverse(f"{name}_add"))
    if instance := model._default_manager.first():
        pages.append(reverse(f"{name}_change", args=[instance.pk]))

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


def same_site_links(html: str, base: str) -> set[str]:
    links = set()
    for href in re.findall(r'href="([^"#]+)"', html):
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if not parts.netloc or parts.netloc == "testserver":
            links.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


# Pages that are not HTML a browser renders under the policy (files, feeds), or that
# sign the visitor out.
NOT_PAGES = re.compile(r"\.(pdf|csv|json|txt|png|svg|css|js|gift)$|/pdf/|/export|/feed|/download|^/admin/|^/static/")


@pytest.mark.parametrize("username", ["demo.admin", "demo.trainer", "demo.leader", "demo.trainee", "demo.commander"])
def test_the_demo_site_renders_no_inline_script_or_style_for_each_role(client, seeded, username):
    """Follows the links of the seeded demo two clicks deep from the home page: the
    pages' HTML from views and helpers (charts, badges, pagination) is checked as well."""
    client.force_login(User.objects.get(username=username))
    seen: dict[str, list[str]] = {}
    frontier = {"/"}
    for _depth in range(3):
        following = set()
        for path in sorted(frontier - seen.keys()):
            response = client.get(path)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                seen[path] = []
                continue
            html = response.content.decode()
            seen[path] = inline_code(html)
            following |= {link for link in same_site_links(html, path) if not NOT_PAGES.search(link)}
        frontier = following

    assert len(seen) > 10
    assert {path: hits for path, hits in seen.items() if hits} == {}
