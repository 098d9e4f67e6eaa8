"""Public verification pages: anyone, signed in or not, may check a certificate code.

``/verify/`` asks for a code and sends it on to the canonical ``/verify/<code>/``, which
shows what the certificate says (so an altered paper is caught) and its status, and lets
a person upload a PDF to check it is the file issued. Each check is recorded and counted
against the client's budget (see certificates/verification.py); nothing personal beyond
what the paper itself prints is shown, but for the last four characters of the holder's
service number, so that two officers of the same name can be told apart.
"""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from certificates.codes import code_normalise
from certificates.models import Certificate, Verification
from certificates.verification import (
    PDF_MAGIC,
    PDF_MAX_BYTES,
    LimitedUploadHandler,
    Lookup,
    certificate_lookup,
    client_key,
    pdf_matches,
    service_number_ending,
    verification_record,
    verification_throttle,
)
from courses.models import COMPETENCY_NAMES

NOT_FOUND = {
    Verification.Outcome.MALFORMED: _("This is not a certificate code: check the characters."),
    Verification.Outcome.UNKNOWN: _("No certificate has this code."),
}
# The file plus the form's boundaries and CSRF token.
_UPLOAD_BODY_MAX_BYTES = PDF_MAX_BYTES + 64 * 1024


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Certificate code"),
        max_length=100,
        help_text=_(
            "As printed on the certificate, for example K7QM-4XPA-9D2F-HT6WR. "
            "Lower case and spaces are fine; the letters I, L and O are read as 1, 1 and 0."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "dir": "ltr"}
        ),
    )


class PdfCheckForm(forms.Form):
    pdf = forms.FileField(
        label=_("Certificate PDF"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: Any, was_too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.was_too_large = was_too_large
        self.fields["pdf"].help_text = _("The PDF file of the certificate, at most %(size)s.") % {
            "size": filesizeformat(PDF_MAX_BYTES)
        }
        if was_too_large:  # the file was dropped on the way in: say why instead of "required"
            self.fields["pdf"].required = False

    def clean_pdf(self) -> UploadedFile:
        upload: UploadedFile | None = self.cleaned_data.get("pdf")
        if self.was_too_large or (upload is not None and (upload.size or 0) > PDF_MAX_BYTES):
            raise forms.ValidationError(
                _("The file is larger than %(size)s: it cannot be a certificate issued here."),
                params={"size": filesizeformat(PDF_MAX_BYTES)},
                code="too_large",
            )
        assert upload is not None  # the field is required unless the file was too large (answered above)
        upload.seek(0)
        if upload.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise forms.ValidationError(_("This file is not a PDF."), code="not_pdf")
        upload.seek(0)
        return upload


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _throttled(request: HttpRequest, wait: int) -> HttpResponse:
    minutes = max(1, -(-wait // 60))
    response = render(request, "certificates/verify_throttled.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _not_found(request: HttpRequest, lookup: Lookup) -> HttpResponse:
    context = {"form": CodeForm(initial={"code": lookup.typed}), "problem": NOT_FOUND[lookup.outcome]}
    return render(request, "certificates/verify.html", context, status=404)


def _certificate_page(
    request: HttpRequest,
    certificate: Certificate,
    *,
    form: PdfCheckForm,
    pdf_matches: bool | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "certificate": certificate,
        # Named as the paper prints them, with the code.
        "competencies": [(code, COMPETENCY_NAMES.get(code, code)) for code in certificate.competencies],
        "form": form,
        "pdf_matches": pdf_matches,
        "service_number_ending": service_number_ending(certificate.holder_service_number),
    }
    response = render(request, "certificates/verify_certificate.html", context, status=status)
    # The page names a person: keep it out of search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@never_cache
def verify_start(request: HttpRequest) -> HttpResponse:
    """Anyone: a form to type a code; a well-formed code goes on to its canonical page."""
    if "code" not in request.GET:
        return render(request, "certificates/verify.html", {"form": CodeForm()})
    form = CodeForm(request.GET)
    if not form.is_valid():
        return render(request, "certificates/verify.html", {"form": form})
    typed = form.cleaned_data["code"]
    canonical = code_normalise(typed)
    if canonical is not None:
        return redirect("certificate-verify-detail", code=canonical)
    client = client_key(request)
    wait = verification_throttle(client=client)
    if wait:
        return _throttled(request, wait)
    lookup = Lookup(typed=typed, canonical=None, certificate=None)
    verification_record(lookup=lookup, channel=Verification.Channel.PAGE, client=client)
    return _not_found(request, lookup)


@csrf_exempt  # CSRF is checked in _pdf_check, once the upload handler is in place
@require_http_methods(["GET", "POST"])
@never_cache
def verify_certificate(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone: what the certificate with ``code`` says and its status (GET), or whether an
    uploaded PDF is the one issued (POST). A code typed loosely redirects to its canonical
    form first; a malformed or unknown code answers 404."""
    canonical = code_normalise(code)
    if request.method == "GET" and canonical is not None and canonical != code:
        return redirect("certificate-verify-detail", code=canonical)
    client = client_key(request)
    wait = verification_throttle(client=client)
    if wait:
        return _throttled(request, wait)
    lookup = certificate_lookup(typed=code)
    channel = Verification.Channel.PAGE if request.method == "GET" else Verification.Channel.UPLOAD
    certificate = lookup.certificate
    if certificate is None:
        verification_record(lookup=lookup, channel=channel, client=client)
        return _not_found(request, lookup)
    if request.method == "GET":
        verification_record(lookup=lookup, channel=channel, client=client)
        return _certificate_page(request, certificate, form=PdfCheckForm())
    if _content_length(request) > _UPLOAD_BODY_MAX_BYTES:
        # Answer before reading the body at all.
        form = PdfCheckForm(data={}, files={}, was_too_large=True)
        form.is_valid()
        return _certificate_page(request, certificate, form=form, status=400)
    handler = LimitedUploadHandler(request)
    request.upload_handlers = [handler, *request.upload_handlers]
    return _pdf_check(request, lookup=lookup, certificate=certificate, handler=handler, client=client)


@csrf_protect
def _pdf_check(
    request: HttpRequest, *, lookup: Lookup, certificate: Certificate, handler: LimitedUploadHandler, client: str
) -> HttpResponse:
    form = PdfCheckForm(request.POST, request.FILES, was_too_large=handler.was_too_large)
    if not form.is_valid():
        return _certificate_page(request, certificate, form=form, status=400)
    matches = pdf_matches(certificate=certificate, upload=form.cleaned_data["pdf"])
    outcome = Verification.Outcome.MATCH if matches else Verification.Outcome.MISMATCH
    verification_record(lookup=lookup, channel=Verification.Channel.UPLOAD, client=client, outcome=outcome)
    return _certificate_page(request, certificate, form=PdfCheckForm(), pdf_matches=matches)
