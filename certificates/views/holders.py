"""Pages for holders and the staff who look after their certificates.

Who sees what is ``selectors.certificate_list``: the holder; trainers and leaders with the
holder in scope; the course's authors; admins. A certificate outside it is a 404.
Revocation and reissue are for those ``services.certificate_can_manage`` allows (403 for
someone who sees the certificate but may not manage it).
"""

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from certificates import selectors, services
from certificates.models import Certificate
from certificates.pdf import verification_url
from certificates.permissions import access_certificate, access_certificate_to_manage, access_course_certificates
from certificates.transcript import transcript_pdf, transcript_rows
from courses.models import Course
from lms.spreadsheet import csv_cell
from organisations.models import Unit, User
from organisations.permissions import AuthenticatedHttpRequest
from organisations.selectors import unit_list, user_roles

CERTIFICATES_PER_PAGE = 50
# "My certificates" refreshes itself this often while a certificate is being prepared.
REFRESH_SECONDS = 5
INDENT = "\u00a0\u00a0"  # no-break spaces, which a <select> keeps
MANAGEABLE = (Certificate.Status.VALID, Certificate.Status.EXPIRED)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to whoever verifies the certificate and kept in the audit log."),
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        # Indented by depth so that the tree reads in a plain <select>.
        return f"{INDENT * obj.depth}{obj.name} ({obj.code})"


class CertificateFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Certificate.Status.choices]
    )
    unit = UnitChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.none(), empty_label=_("All units"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, UnitChoiceField)  # declared above
        unit_field.queryset = unit_list(user=user)


@login_required
@require_GET
def my_certificates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's own certificates, newest first (anyone signed in: none without an
    officer record), and those still on their way after a completion (being prepared, or delayed)."""
    certificates = selectors.certificate_list(user=request.user).filter(officer__user=request.user)
    officer = user_roles(request.user).officer
    on_their_way = selectors.certificates_on_their_way(officer_id=officer.pk) if officer is not None else []
    # While one is being prepared (seconds, as a rule), the page looks again by itself.
    is_live = request.GET.get("refresh") != "off" and any(not item.is_delayed for item in on_their_way)
    context = {
        "certificates": certificates,
        "on_their_way": on_their_way,
        "is_live": is_live,
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, "certificates/my_certificates.html", context)


def _detail(
    request: AuthenticatedHttpRequest,
    certificate: Certificate,
    *,
    revoke_form: ReasonForm | None = None,
    reissue_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = services.certificate_can_manage(user=request.user, certificate=certificate)
    context = {
        "certificate": certificate,
        "verify_url": verification_url(certificate.code),
        "is_holder": certificate.officer.user_id == request.user.pk,
        "replaced_by": Certificate.objects.filter(replaces=certificate).only("code").first(),
        "can_manage": can_manage and certificate.status in MANAGEABLE,
        "revoke_form": revoke_form or ReasonForm(prefix="revoke"),
        "reissue_form": reissue_form or ReasonForm(prefix="reissue"),
    }
    return render(request, "certificates/certificate_detail.html", context, status=status)


@login_required
@require_GET
def certificate_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The holder, admins, the course's authors and trainers or leaders with the holder in scope."""
    return _detail(request, access_certificate(user=request.user, code=code))


@login_required
@require_POST
def certificate_revoke(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Revoke with a reason (course authors, trainers with the holder in scope, admins)."""
    certificate = access_certificate_to_manage(user=request.user, code=code)
    form = ReasonForm(request.POST, prefix="revoke")
    if form.is_valid():
        try:
            services.certificate_revoke(certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, gettext("The certificate is revoked. Verification now shows it as revoked."))
        return redirect("certificate-detail", code=certificate.code)
    return _detail(request, certificate, revoke_form=form, status=400)


@login_required
@require_POST
def certificate_reissue(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Issue a new certificate from today's records; the old one is superseded (same people as revocation)."""
    certificate = access_certificate_to_manage(user=request.user, code=code)
    form = ReasonForm(request.POST, prefix="reissue")
    if form.is_valid():
        try:
            new = services.certificate_reissue(
                certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("certificate-detail", code=certificate.code)
        messages.success(
            request,
            gettext("A new certificate %(code)s is issued; %(old)s is superseded.")
            % {"code": new.code, "old": certificate.code},
        )
        return redirect("certificate-detail", code=new.code)
    return _detail(request, certificate, reissue_form=form, status=400)


@login_required
@require_GET
def course_certificates(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A course's certificates within the viewer's scope: trainers and leaders (holders in
    their scope), the course's authors (all of it), admins. ``?status=`` and ``?unit=``
    (a unit of the viewer's scope: 404 otherwise) filter; ``?format=csv`` downloads them."""
    course = access_course_certificates(user=request.user, course_id=pk)
    form = CertificateFilterForm(request.GET or None, user=request.user)
    filters = {}
    if form.is_bound:
        if not form.is_valid():
            raise Http404
        unit = form.cleaned_data["unit"]
        filters = {"unit_id": unit.pk if unit else None, "status": form.cleaned_data["status"]}
    certificates = selectors.certificates_filter(
        selectors.certificate_list(user=request.user), course_id=course.pk, **filters
    )
    if request.GET.get("format") == "csv":
        return _certificates_csv(course, certificates)
    page = Paginator(certificates, CERTIFICATES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {"course": course, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "certificates/course_certificates.html", context)


def _certificates_csv(course: Course, certificates: QuerySet[Certificate]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(course.code) or "course"}-certificates.csv"'
    response.write("\ufeff")  # spreadsheets then read the file as UTF-8
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(
        [
            gettext("Code"),
            gettext("Serial number"),
            gettext("Holder"),
            gettext("Service number"),
            gettext("Unit"),
            gettext("Issued on"),
            gettext("Expires on"),
            gettext("Status"),
            gettext("Reason"),
        ]
    )
    for certificate in certificates.iterator(chunk_size=1000):
        writer.writerow(
            csv_cell(value)
            for value in (
                certificate.code,
                certificate.serial,
                certificate.holder_name,
                certificate.holder_service_number,
                certificate.officer.unit.name,
                timezone.localdate(certificate.issued_at).isoformat(),
                certificate.expires_on.isoformat() if certificate.expires_on else "",
                certificate.get_status_display(),
                certificate.status_reason,
            )
        )
    return response


@login_required
@require_GET
def transcript_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's own transcript (404 without an officer record), in their language."""
    officer = user_roles(request.user).officer
    if officer is None:
        raise Http404
    language = translation.get_language()
    pdf = transcript_pdf(officer=officer, rows=transcript_rows(officer=officer, language=language), language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"transcript-{slugify(officer.service_number) or officer.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
