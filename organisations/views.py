"""Pages for people: thin views over selectors and services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organisations import activation, roster, selectors, services, slips, throttles, tokens
from organisations.forms import (
    AccountActivationForm,
    AccountPasswordChangeForm,
    AccountStatusForm,
    OfficerLeaveForm,
    OfficerTransferForm,
    PasswordResetSetForm,
    RosterImportForm,
    ThrottledAuthenticationForm,
    ThrottledPasswordResetForm,
    UnitActivationSlipsForm,
)
from organisations.models import Officer, Role, User
from organisations.permissions import (
    AuthenticatedHttpRequest,
    access_officer_record,
    account_status_refusal,
    activation_code_refusal,
    is_own,
)
from organisations.record import officer_record_sections

OFFICERS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    """Sign in, then switch to the language the person chose last time (shared devices)."""

    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.get_user().preferred_language
        if language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language``, also remembered on the account of a signed-in person."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_language_set(user=request.user, language=language)
    return response


def _require_staff_role(user: User) -> None:
    if not selectors.user_roles(user).has(Role.TRAINER, Role.LEADERSHIP, Role.ADMIN):
        raise PermissionDenied


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One page per role: what a trainee, trainer, leader or admin needs first."""
    roles = selectors.user_roles(request.user)
    context: dict[str, object] = {"officer": roles.officer}
    if roles.has(Role.TRAINER, Role.LEADERSHIP, Role.ADMIN):
        context["scope_units"] = selectors.unit_summaries(user=request.user)
    return render(request, "organisations/home.html", context)


@login_required
def unit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_staff_role(request.user)
    search = request.GET.get("q", "").strip()
    units = selectors.unit_list(user=request.user, search=search).annotate(
        active_officers=Count("officers", filter=Q(officers__is_active=True))
    )
    return render(request, "organisations/unit_list.html", {"units": units, "search": search})


@login_required
def unit_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _require_staff_role(request.user)
    unit = get_object_or_404(selectors.unit_list(user=request.user), pk=pk)
    officers = Paginator(selectors.officer_list(user=request.user, unit=unit), OFFICERS_PER_PAGE)
    context = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(unit),
        "children": unit.children.order_by("name"),
        "page": officers.get_page(request.GET.get("page")),
        "vetting_choices": Officer.VettingStatus.choices,
        "can_print_slips": activation.can_print_slips(user=request.user, unit=unit),
    }
    return render(request, "organisations/unit_detail.html", context)


@login_required
def roster_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a roster CSV (trainers and admins); shows the counts or every error."""
    if not selectors.user_roles(request.user).has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied
    services = roster.roster_services(user=request.user)
    is_post = request.method == "POST"
    form = RosterImportForm(request.POST if is_post else None, request.FILES if is_post else None, services=services)
    context = {"form": form, "columns": roster.REQUIRED_COLUMNS, "optional_columns": roster.OPTIONAL_COLUMNS}
    if is_post and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            context["result"] = roster.roster_import(
                service=form.only_service or form.cleaned_data["service"],
                data=roster.roster_upload_read(upload),
                file_name=upload.name,
                actor=request.user,
            )
        except roster.RosterImportError as error:
            context["errors"] = error.errors
    return render(request, "organisations/roster_import.html", context)


def _require_trainer(user: User) -> None:
    if not selectors.user_roles(user).has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """Anyone (no sign-in): set a password with a service number and the code on a slip,
    for a first sign-in or a forgotten password; then signed in and sent home."""
    form = AccountActivationForm(request.POST if request.method == "POST" else None, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = activation.account_activate(
                service_number=data["service_number"], code=data["code"], password=data["password"]
            )
        except activation.ActivationRefused as error:  # a wrong guess: stays counted
            form.add_error(None, error)
        except ValidationError as error:
            throttles.attempt_forget(**form.throttle)
            form.add_error(None, error)
        else:
            throttles.failures_clear(**form.throttle)
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            message = gettext("Your account is ready. Your user name is %(username)s.")
            messages.success(request, message % {"username": user.get_username()})
            return redirect("home")
    return render(request, "organisations/activate.html", {"form": form})


def _officer_context(request: AuthenticatedHttpRequest, officer: Officer, **extra: object) -> dict[str, object]:
    # Codes and the record are kept by the same people: trainers in scope and admins.
    in_training_scope = activation.can_issue_codes(user=request.user, officer=officer)
    can_keep_record = in_training_scope and not is_own(actor=request.user, user_id=officer.user_id)
    is_staff = selectors.user_roles(request.user).has(Role.TRAINER, Role.LEADERSHIP, Role.ADMIN)
    return {
        "officer": officer,
        "transfers": officer.transfers.select_related("from_unit", "to_unit"),
        # Codes are the staff's business; the officer sees their training record.
        "activation_codes": officer.activation_codes.select_related("issued_by")[:10] if is_staff else [],
        "record_sections": officer_record_sections(officer=officer),
        "can_issue_codes": officer.is_active and in_training_scope,
        "code_refusal": activation_code_refusal(issuer=request.user, officer=officer),
        "can_keep_record": can_keep_record,
        "account_refusal": (
            account_status_refusal(actor=request.user, user=officer.user)
            if can_keep_record and officer.user_id and officer.user is not None
            else None
        ),
        **extra,
    }


@login_required
def officer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The officer's page with their training record: the officer themself; trainers,
    leaders and admins with the officer in their scope (else 404); 403 for anyone else."""
    officer = access_officer_page(user=request.user, officer_id=pk)
    return render(request, "organisations/officer_detail.html", _officer_context(request, officer))


def access_officer_page(*, user: User, officer_id: int) -> Officer:
    """The officer, with unit, service and account, for their own page or for staff whose
    scope covers them (``selectors.officer_list``; 404 outside it); ``PermissionDenied``
    for someone who is neither."""
    own = selectors.user_roles(user).officer
    if own is not None and own.pk == officer_id:
        return Officer.objects.select_related("unit", "service", "user").get(pk=officer_id)
    _require_staff_role(user)
    return get_object_or_404(
        selectors.officer_list(user=user, include_left=True).select_related("service", "user"), pk=officer_id
    )


# Keeping an officer's record: a transfer, a departure, the account ---------------------------
# Trainers with the officer in their training scope, and admins; never one's own record
# (``permissions.access_officer_record``: 403 for others, 404 outside the scope).


@login_required
@require_http_methods(["GET", "POST"])
def officer_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move an active officer to another unit of their service: a dated transfer, audited,
    with an ``officer.transferred`` event (readiness recounts both units)."""
    officer = access_officer_record(user=request.user, officer_id=pk)
    if not officer.is_active:
        messages.error(request, gettext("This officer has left the service: a roster import brings them back."))
        return redirect("officer-detail", pk=officer.pk)
    units = selectors.transfer_units(user=request.user, officer=officer)
    if request.method == "POST":
        form = OfficerTransferForm(request.POST, units=units)
    else:
        form = OfficerTransferForm(units=units, initial={"effective_on": timezone.localdate()})
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.officer_transfer(
                officer=officer,
                to_unit=data["unit"],
                effective_on=data["effective_on"],
                actor=request.user,
                note=data["note"],
            )
        except PermissionDenied as error:  # the officer commands their unit (see the page)
            form.add_error(None, str(error))
        else:
            message = gettext("%(name)s now serves in %(unit)s.")
            messages.success(request, message % {"name": officer.full_name, "unit": data["unit"].name})
            return redirect("officer-detail", pk=officer.pk)
    return render(request, "organisations/officer_transfer.html", {"officer": officer, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def officer_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record that an active officer left the service, with an ``officer.left`` event
    (readiness stops counting them); their records and account stay."""
    officer = access_officer_record(user=request.user, officer_id=pk)
    if not officer.is_active:
        messages.info(request, gettext("This officer has already left the service."))
        return redirect("officer-detail", pk=officer.pk)
    if request.method == "POST":
        form = OfficerLeaveForm(request.POST)
    else:
        form = OfficerLeaveForm(initial={"left_on": timezone.localdate()})
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.officer_leave(officer=officer, left_on=data["left_on"], actor=request.user, reason=data["reason"])
        except PermissionDenied as error:  # the officer commands their unit (see the page)
            form.add_error(None, str(error))
        else:
            messages.success(
                request, gettext("%(name)s is recorded as having left the service.") % {"name": officer.full_name}
            )
            return redirect("officer-detail", pk=officer.pk)
    return render(request, "organisations/officer_leave.html", {"officer": officer, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def officer_account_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Disable the officer's account (no sign-in, API tokens deleted) or enable it again;
    an account with rights beyond a trainee's only by an admin (403 with the reason)."""
    officer = access_officer_record(user=request.user, officer_id=pk)
    if officer.user is None:
        raise Http404
    refusal = account_status_refusal(actor=request.user, user=officer.user)
    if refusal:
        raise PermissionDenied(refusal)
    form = AccountStatusForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        is_enable = form.cleaned_data["action"] == AccountStatusForm.ENABLE
        change = services.user_reactivate if is_enable else services.user_deactivate
        change(user=officer.user, actor=request.user, reason=form.cleaned_data["reason"])
        if officer.user.is_active:
            message = gettext("The account %(username)s is enabled: its owner can sign in again.")
        else:
            message = gettext("The account %(username)s is disabled: its owner can no longer sign in.")
        messages.success(request, message % {"username": officer.user.username})
        return redirect("officer-detail", pk=officer.pk)
    return render(request, "organisations/officer_account_status.html", {"officer": officer, "form": form})


@never_cache
@login_required
@require_POST
def officer_activation_code(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Trainers and admins with the officer in their training scope: issue a new code and
    show it once (it is not stored in clear, so it cannot be shown again)."""
    _require_trainer(request.user)
    officer = get_object_or_404(activation.activation_officers(user=request.user), pk=pk)
    try:
        code = activation.activation_code_issue(officer=officer, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("officer-detail", pk=officer.pk)
    expires_at = activation.code_expiries(officers=[officer])[officer.pk]
    context = _officer_context(request, officer, new_code=code, new_code_expires_at=expires_at)
    return render(request, "organisations/officer_detail.html", context)


@never_cache
@login_required
@require_POST
def officer_activation_slip(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Trainers and admins: the one-slip PDF for the code just shown, which the page posts
    back; it must still be the officer's usable code."""
    _require_trainer(request.user)
    officer = get_object_or_404(activation.activation_officers(user=request.user), pk=pk)
    code = request.POST.get("code", "")
    normalised = activation.code_normalise(code)
    if normalised is None or not activation.code_is_current(officer=officer, code=code):
        messages.error(request, gettext("That code is no longer valid. Issue a new one."))
        return redirect("officer-detail", pk=officer.pk)
    display = activation.code_display(normalised)
    pdf = slips.activation_slips_pdf(
        slips=slips.slips_for([(officer, display)]),
        title=gettext("Activation slip: %(name)s") % {"name": officer.full_name},
        author=request.user,
    )
    return _pdf_attachment(pdf, f"activation-slip-{slugify(officer.service_number)}.pdf")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def unit_activation_slips(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Trainers and admins with the unit in their training scope: a confirmation page, then
    (POST) new codes for the unit's officers as a PDF of slips."""
    _require_trainer(request.user)
    unit = get_object_or_404(activation.activation_units(user=request.user), pk=pk)
    form = UnitActivationSlipsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # One transaction with the rendering: if the PDF fails, no code is issued or voided.
        with transaction.atomic():
            issued = activation.activation_codes_issue_for_unit(
                unit=unit, actor=request.user, include_activated=form.cleaned_data["include_activated"]
            )
            if issued:
                pdf = slips.activation_slips_pdf(
                    slips=slips.slips_for(issued),
                    title=gettext("Activation slips: %(unit)s") % {"unit": unit.name},
                    author=request.user,
                )
        if issued:
            return _pdf_attachment(pdf, f"activation-slips-{slugify(unit.code)}.pdf")
        messages.info(request, gettext("No officer needs a slip: nothing was issued."))
        return redirect("unit-activation-slips", pk=unit.pk)
    counts = activation.unit_activation_officers(unit=unit, issuer=request.user, include_activated=True).aggregate(
        total=Count("pk"), without_account=Count("pk", filter=Q(user__isnull=True))
    )
    skipped = activation.unit_activation_skipped(unit=unit, issuer=request.user).select_related("unit")
    context = {"unit": unit, "form": form, "counts": counts, "skipped": skipped}
    return render(request, "organisations/activation_slips.html", context)


def _pdf_attachment(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The account page: one's own password and API tokens ---------------------------------------


@login_required
@require_GET
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's account: their password and the API tokens of their clients."""
    context = {
        "officer": selectors.user_roles(request.user).officer,
        "api_tokens": tokens.api_tokens_of(user=request.user),
    }
    return render(request, "organisations/account.html", context)


@login_required
@require_POST
def account_token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Revoke one of one's own API tokens (another's: 404)."""
    token = get_object_or_404(tokens.api_tokens_of(user=request.user), pk=pk)
    tokens.api_token_revoke(token=token, actor=request.user)
    message = gettext("The token %(prefix)s… no longer works.")
    messages.success(request, message % {"prefix": token.prefix})
    return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password with the current one; this session stays signed in."""

    form_class = AccountPasswordChangeForm
    template_name = "organisations/password_change.html"
    success_url = reverse_lazy("account")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        message = gettext("Your password was changed. Your other sign-ins and API tokens have been ended.")
        messages.success(self.request, message)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail (Django's flow). The answer is the same, and as quick,
    whether or not the address is known: requests are throttled and the mail is sent by
    the outbox after the request (``forms.ThrottledPasswordResetForm``)."""

    form_class = ThrottledPasswordResetForm
    template_name = "organisations/password_reset_form.html"

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "organisations/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link of a reset e-mail: choose a new password (then sign in with it)."""

    form_class = PasswordResetSetForm
    template_name = "organisations/password_reset_confirm.html"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "organisations/password_reset_complete.html"
