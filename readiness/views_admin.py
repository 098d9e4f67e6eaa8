"""Management pages of readiness: requirement profiles, joint assessments, handover
decisions, and the handover briefing PDF.

Who may:
- requirement profiles: every leader and admin reads them (they say what "ready" means);
  only admins and leaders of a whole service change them (``services.profiles_can_edit``),
  anyone else gets 403 on a form;
- a unit's joint assessments, handover decisions and briefing: leaders whose leadership
  scope covers the unit, and admins; a unit out of scope is a 404, and anyone who is no
  leader or admin (trainees, trainers) gets 403.

Plain forms, POST then redirect; a service's ``ValidationError`` comes back as errors on
the form's fields and nothing is written.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import COMPETENCY_NAMES
from organisations.models import Unit, User
from organisations.permissions import AuthenticatedHttpRequest
from organisations.selectors import scope_covers, unit_ancestors
from readiness import selectors, services
from readiness.briefing import briefing_data, briefing_pdf, gate_facts, percent_text
from readiness.forms import (
    CRITERIA,
    HandoverDecisionForm,
    JointAssessmentForm,
    ProfileCreateForm,
    ProfileForm,
    RequirementForm,
    unit_type_choices,
)
from readiness.models import (
    CompetencyMetric,
    HandoverDecision,
    JointAssessment,
    Requirement,
    RequirementProfile,
    UnitReadiness,
    field_label,
)
from readiness.permissions import (
    access_profile,
    access_profile_to_edit,
    access_readiness_detail,
    access_readiness_unit,
    access_requirement_to_edit,
    profile_editor_require,
    readiness_reader_require,
)

ROUNDS_PER_PAGE = 20


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


# Requirement profiles ----------------------------------------------------------------------


@login_required
@require_GET
def profile_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every requirement profile: the default first, then one per unit type."""
    readiness_reader_require(request.user)
    profiles = RequirementProfile.objects.select_related("updated_by").order_by("unit_type", "name")
    type_labels = dict(Unit.Type.choices)
    context = {
        "profiles": [(profile, type_labels.get(profile.unit_type, profile.unit_type)) for profile in profiles],
        "can_edit": services.profiles_can_edit(user=request.user),
        "can_create": bool(unit_type_choices()),
    }
    return render(request, "readiness/manage/profile_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Give a unit type a profile of its own (a copy of the default one to edit)."""
    profile_editor_require(request.user)
    form = ProfileCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.profile_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, gettext("Profile created. Readiness is being recomputed."))
            return redirect("readiness-profile", pk=profile.pk)
    return render(request, "readiness/manage/profile_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A profile's settings and requirements; editors change the settings here."""
    profile = access_profile(user=request.user, profile_id=pk)
    can_edit = services.profiles_can_edit(user=request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    form = None
    if can_edit:
        initial = {name: getattr(profile, name) for name in services.PROFILE_EDITABLE_FIELDS}
        form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.profile_update(profile=profile, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, gettext("Profile saved. Readiness is being recomputed."))
                return redirect("readiness-profile", pk=profile.pk)
    requirements = [
        (requirement, COMPETENCY_NAMES.get(requirement.competency_id, requirement.competency.name))
        for requirement in profile.requirements.select_related("competency").order_by("competency__order")
    ]
    context = {
        "profile": profile,
        "unit_type_label": dict(Unit.Type.choices).get(profile.unit_type, profile.unit_type),
        "requirements": requirements,
        "form": form,
        "can_edit": can_edit,
        "settings": [
            (field_label(RequirementProfile, name), getattr(profile, name))
            for name in services.PROFILE_EDITABLE_FIELDS
            if name != "name"
        ],
    }
    return render(request, "readiness/manage/profile_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def requirement_edit(request: AuthenticatedHttpRequest, pk: int, code: str | None = None) -> HttpResponse:
    """Add a requirement to a profile (no ``code``) or change one."""
    profile = access_profile_to_edit(user=request.user, profile_id=pk)
    requirement = None
    if code is not None:
        requirement = get_object_or_404(
            Requirement.objects.select_related("competency"), profile=profile, competency=code
        )
    initial = {}
    if requirement is not None:
        initial = {
            name: getattr(requirement, name) for name in ("population", "position", "target", "is_gate", "weight")
        }
    form = RequirementForm(
        request.POST if request.method == "POST" else None, profile=profile, requirement=requirement, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        # The form asks for the competency only when adding.
        competency = data.pop("competency") if requirement is None else requirement.competency
        try:
            services.requirement_set(profile=profile, competency=competency, actor=request.user, **data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, gettext("Requirement saved. Readiness is being recomputed."))
            return redirect("readiness-profile", pk=profile.pk)
    context = {
        "profile": profile,
        "requirement": requirement,
        "competency_name": (
            COMPETENCY_NAMES.get(requirement.competency_id, requirement.competency.name) if requirement else ""
        ),
        "form": form,
    }
    return render(request, "readiness/manage/requirement_form.html", context)


@login_required
@require_POST
def requirement_delete(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    requirement = access_requirement_to_edit(user=request.user, profile_id=pk, code=code)
    try:
        services.requirement_delete(requirement=requirement, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, gettext("Requirement removed. Readiness is being recomputed."))
    return redirect("readiness-profile", pk=pk)


# Joint assessments and handover decisions --------------------------------------------------


def _unit_context(user: User, unit: Unit) -> dict[str, object]:
    """The unit and the ancestors the user may see (a region's leader does not see the nation)."""
    roots = selectors.readiness_scope(user)
    ancestors = [ancestor for ancestor in unit_ancestors(unit) if scope_covers(roots, ancestor)]
    return {"unit": unit, "ancestors": ancestors, "is_assessed": services.is_assessed(unit.unit_type)}


@login_required
@require_http_methods(["GET", "POST"])
def joint_assessments(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a round of the joint assessment of a unit; the rounds so far, newest first."""
    unit = access_readiness_unit(user=request.user, unit_id=pk)
    form = JointAssessmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.joint_assessment_record(unit=unit, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, gettext("Assessment recorded. The unit's index is being updated."))
            return redirect("readiness-assessments", pk=unit.pk)
    rounds = Paginator(
        JointAssessment.objects.filter(unit=unit).select_related("recorded_by").order_by("-assessed_on", "-pk"),
        ROUNDS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    labels = dict(JointAssessment.Rating.choices)
    criteria = [field_label(JointAssessment, name) for name in CRITERIA]
    lines = [(entry, [labels[getattr(entry, name)] for name in CRITERIA]) for entry in rounds]
    context = _unit_context(request.user, unit) | {"form": form, "page": rounds, "lines": lines, "criteria": criteria}
    return render(request, "readiness/manage/assessments.html", context)


def _handover_figures(unit: Unit) -> dict[str, object]:
    """What the decision is taken against: the unit's stored status, index and failed gates
    with their values and targets."""
    readiness = UnitReadiness.objects.filter(unit=unit).first()
    if readiness is None:
        return {"readiness": None, "failed_gates": [], "needs_override": True}
    rules, default = services.profile_rules()
    metrics = {
        code: (certified, headcount, None if target is None else float(target))
        for code, certified, headcount, target in CompetencyMetric.objects.filter(unit=unit, is_gate=True).values_list(
            "competency_id", "certified", "headcount", "target"
        )
    }
    facts = gate_facts(readiness=readiness, rule=rules.get(unit.unit_type, default), metrics=metrics)
    return {
        "readiness": readiness,
        "index_text": percent_text(readiness.index),
        "failed_gates": [fact for fact in facts if not fact.met],
        "needs_override": bool(services.handover_blockers(unit=unit)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def handover_decisions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the handover decision for a unit or area; the decisions so far, newest first,
    with an approve button on each pending handover the reader may approve."""
    unit = access_readiness_unit(user=request.user, unit_id=pk)
    form = HandoverDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.handover_decision_record(unit=unit, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if record.is_pending:
                messages.success(
                    request, gettext("Handover decision recorded. It takes effect once a second person approves it.")
                )
            else:
                messages.success(request, gettext("Handover decision recorded."))
            return redirect("readiness-handover", pk=unit.pk)
    decisions = Paginator(
        HandoverDecision.objects.filter(unit=unit)
        .select_related("unit", "recorded_by", "approved_by")
        .order_by("-decided_on", "-pk"),
        ROUNDS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    lines = [(entry, services.handover_can_approve(user=request.user, decision=entry)) for entry in decisions]
    context = _unit_context(request.user, unit) | {"form": form, "page": decisions, "lines": lines}
    return render(request, "readiness/manage/handover.html", context | _handover_figures(unit))


@login_required
@require_POST
def handover_decision_approve(request: AuthenticatedHttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    """Approve a pending handover as its second approver (never the person who recorded it)."""
    unit = access_readiness_unit(user=request.user, unit_id=pk)
    decision = get_object_or_404(HandoverDecision.objects.select_related("unit"), pk=decision_pk, unit=unit)
    try:
        services.handover_decision_approve(decision=decision, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("Handover approved: it is now in effect."))
    return redirect("readiness-handover", pk=unit.pk)


# The handover briefing ---------------------------------------------------------------------


@login_required
@require_GET
def briefing_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The unit's (or area's) handover briefing as an A4 PDF in the reader's language."""
    detail = access_readiness_detail(user=request.user, unit_id=pk)
    unit = detail.unit
    language = translation.get_language()
    pdf = briefing_pdf(data=briefing_data(detail=detail), language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"handover-briefing-{slugify(unit.code) or unit.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
