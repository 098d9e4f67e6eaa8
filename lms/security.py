"""A Content-Security-Policy header on every response.

Django 5.2 has no CSP of its own. The pages need none of the usual escape hatches: every
script and style is a file under ``static/`` (no inline ``<script>``, ``on*=`` handler,
``<style>`` or ``style=``), SVG charts use presentation attributes, and nothing is loaded
from another origin. So a script injected into a page does not run, and a page cannot be
framed or post a form elsewhere.

Django's admin fits the same policy: in 5.2 its scripts are files that read their data
from ``data-`` attributes. Its one inline ``<style>`` block is written only for a model
admin without action bars (``actions_on_top = actions_on_bottom = False``), which no admin
here sets; tests/security_hardening/test_headers.py renders every admin page to hold that.
The API docs and DRF's browsable API wrote an inline ``<style>``: their templates are
overridden under ``templates/drf_spectacular/`` and ``templates/rest_framework/``.
"""

from django.utils.deprecation import MiddlewareMixin

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # data: for the small SVG icons the Swagger UI stylesheet embeds in /api/docs/.
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
POLICY_HEADER = "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in POLICY.items())


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Sets the policy on every response that has none: a view serving an uploaded file
    (courses' lesson attachments) sets a stricter one of its own, which is kept."""

    def process_response(self, request, response):
        response.headers.setdefault("Content-Security-Policy", POLICY_HEADER)
        return response
