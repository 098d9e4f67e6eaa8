"""Pages for in-person sessions: the list (with a trainee's "My sessions"), scheduling, the
session with its roster, registering officers, the phone attendance page and the results page.

A session the user cannot see is a 404; one they see but do not run is a 403 for every
page that changes it. Every page works without JavaScript.
"""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from courses import permissions, selectors, services
from courses.forms import SessionCancelForm, SessionFilterForm, SessionForm, SessionOfficersForm, SessionUnitForm
from courses.models import SessionRegistration
from organisations.models import Officer, Role, User
from organisations.permissions import AuthenticatedHttpRequest

SESSIONS_PER_PAGE = 50
# Officers marked so get no result on the results page (the services refuse one).
NOT_SCORED = (SessionRegistration.Attendance.ABSENT, SessionRegistration.Attendance.EXCUSED)
PASS, FAIL = "pass", "fail"


def _require_trainer(user: User) -> None:
    if not selectors.user_roles(user).has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied


def _messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


@login_required
def session_list(request: AuthenticatedHttpRequest):
    """Staff: the sessions hosted in their scope, upcoming or past, by course. Officers:
    "My sessions", those they are registered for and those of their courses."""
    roles = selectors.user_roles(request.user)
    is_staff = roles.has(*selectors.STAFF_ROLES)
    context: dict[str, object] = {
        "is_staff": is_staff,
        "is_officer": roles.officer is not None,
        "can_schedule": roles.has(Role.TRAINER, Role.ADMIN),
    }
    if roles.officer is not None:
        context["own_upcoming"] = list(selectors.own_session_list(user=request.user, upcoming=True)[:50])
        own_past = list(selectors.own_session_list(user=request.user, upcoming=False).exclude(own_attendance=None)[:20])
        labels = dict(SessionRegistration.Attendance.choices)
        for session in own_past:  # own_attendance is not None: excluded above
            is_marked = session.own_attendance != SessionRegistration.Attendance.REGISTERED
            label = labels.get(session.own_attendance or "") if is_marked else None
            session.own_attendance_label = "" if label is None else str(label)
        context["own_past"] = own_past
    if is_staff:
        form = SessionFilterForm(request.GET or None, user=request.user)
        filters = form.cleaned_data if form.is_valid() else {}
        is_past = filters.get("when") == SessionFilterForm.PAST
        course = filters.get("course")
        sessions = selectors.session_list(
            user=request.user, course_id=course.pk if course else None, upcoming=not is_past
        )
        context.update(
            form=form,
            is_past=is_past,
            page=Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page")),
        )
    return render(request, "courses/sessions/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: AuthenticatedHttpRequest):
    """Schedule a session: trainers (for a host unit in their scope) and admins."""
    _require_trainer(request.user)
    form = SessionForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        except PermissionDenied as error:
            form.add_error("unit", str(error))
        else:
            messages.success(request, gettext("The session is scheduled. Now register the officers."))
            return redirect("session-register", pk=session.pk)
    return render(request, "courses/sessions/form.html", {"form": form, "session": None})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: AuthenticatedHttpRequest, pk: int):
    session = permissions.access_session_to_manage(user=request.user, session_id=pk)
    form = SessionForm(request.POST if request.method == "POST" else None, user=request.user, session=session)
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if name != "course"}
        try:
            services.session_update(session=session, actor=request.user, **changes)
        except ValidationError as error:
            _form_errors(form, error)
        except PermissionDenied as error:
            form.add_error("unit", str(error))
        else:
            messages.success(request, gettext("The session is saved."))
            return redirect("session-detail", pk=session.pk)
    return render(request, "courses/sessions/form.html", {"form": form, "session": session})


def _form_errors(form, error: ValidationError) -> None:
    """A service's ``ValidationError`` onto the form: by field where the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
def session_detail(request: AuthenticatedHttpRequest, pk: int):
    """The session; staff whose scope covers the host unit also see the roster and results,
    an officer their own registration."""
    session = permissions.access_session(user=request.user, session_id=pk)
    can_see_roster = selectors.session_roster_is_visible(user=request.user, session=session)
    registrations = list(selectors.session_registrations(session=session)) if can_see_roster else []
    context = {
        "session": session,
        "can_manage": selectors.session_is_manageable(user=request.user, session=session),
        "is_begun": session.is_begun,
        "can_see_roster": can_see_roster,
        "registrations": registrations,
        "present_count": sum(r.attendance == SessionRegistration.Attendance.PRESENT for r in registrations),
        "cancel_form": SessionCancelForm(),
        "own_attendance_label": dict(SessionRegistration.Attendance.choices).get(session.own_attendance or "", ""),
    }
    return render(request, "courses/sessions/detail.html", context)


@login_required
@require_POST
def session_cancel(request: AuthenticatedHttpRequest, pk: int):
    session = permissions.access_session_to_manage(user=request.user, session_id=pk)
    form = SessionCancelForm(request.POST)
    if form.is_valid():
        try:
            services.session_cancel(session=session, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, gettext("The session is cancelled and the registered officers are told."))
    return redirect("session-detail", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_register(request: AuthenticatedHttpRequest, pk: int):
    """Register the active officers of a unit in the trainer's scope, or officers by service
    number: all of them, or nobody when places run short."""
    session = permissions.access_session_to_manage(user=request.user, session_id=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    unit_form = SessionUnitForm(request.POST if action == "unit" else None, user=request.user, prefix="unit")
    officer_form = SessionOfficersForm(
        request.POST if action == "officers" else None, user=request.user, prefix="officers"
    )
    forms: dict[str, SessionUnitForm | SessionOfficersForm] = {"unit": unit_form, "officers": officer_form}
    form = forms.get(action or "")
    if form is not None and form.is_valid():
        try:
            if isinstance(form, SessionUnitForm):
                count = services.session_register_unit(
                    session=session, unit=form.cleaned_data["unit"], actor=request.user
                )
            else:
                count = services.session_register(session=session, officers=form.officers, actor=request.user)
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, " ".join(getattr(error, "messages", None) or [str(error)]))
        else:
            message = ngettext(
                "%(count)d officer registered (officers already registered are left as they were).",
                "%(count)d officers registered (officers already registered are left as they were).",
                count,
            )
            messages.success(request, message % {"count": count})
            return redirect("session-detail", pk=session.pk)
    context = {
        "session": session,
        "unit_form": unit_form,
        "officer_form": officer_form,
        "places_left": max(session.capacity - session.registered_count, 0),
    }
    return render(request, "courses/sessions/register.html", context)


@login_required
@require_POST
def session_unregister(request: AuthenticatedHttpRequest, pk: int, officer_id: int):
    session = permissions.access_session_to_manage(user=request.user, session_id=pk)
    officer = Officer.objects.filter(pk=officer_id, session_registrations__session=session).first()
    if officer is None:
        raise Http404
    try:
        services.session_unregister(session=session, officer=officer, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("%(name)s is no longer registered.") % {"name": officer.full_name})
    return redirect("session-detail", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request: AuthenticatedHttpRequest, pk: int):
    """The phone attendance page: one row per registered officer, Present / Absent /
    Excused, one Save. An officer left without a mark keeps their attendance."""
    session = permissions.access_session_to_manage(user=request.user, session_id=pk)
    registrations = list(selectors.session_registrations(session=session, with_practicals=False))
    errors: list[str] = []
    if request.method == "POST":
        marks = {}
        for registration in registrations:
            value = request.POST.get(f"a-{registration.officer_id}", "")
            if value:
                marks[registration.officer_id] = value
            registration.mark = value or registration.attendance
        if marks:
            try:
                changed = services.attendance_record(session=session, marks=marks, actor=request.user)
            except ValidationError as error:
                errors = _officer_messages(error, registrations)
            else:
                message = ngettext(
                    "Attendance saved: %(count)d change.", "Attendance saved: %(count)d changes.", changed
                )
                messages.success(request, message % {"count": changed})
                return redirect("session-detail", pk=session.pk)
        else:
            errors = [gettext("Mark at least one officer.")]
    else:
        for registration in registrations:
            registration.mark = registration.attendance
    context = {"session": session, "registrations": registrations, "errors": errors, "is_begun": session.is_begun}
    return render(request, "courses/sessions/attendance.html", context)


def _officer_messages(error: ValidationError, registrations) -> list[str]:
    """Every message of a bulk ``ValidationError``; the service names each officer in its
    messages by name and service number (``services.officer_label``)."""
    return _messages_of(error)


@login_required
@require_http_methods(["GET", "POST"])
def session_results(request: AuthenticatedHttpRequest, pk: int):
    """Results of a session: for each officer, pass or fail with a comment for each practical
    skill (the course's required ones, and any other already recorded here), and the paper
    score. One Save, all or nothing."""
    session = permissions.access_session_to_manage(user=request.user, session_id=pk)
    registrations = list(selectors.session_registrations(session=session))
    skills = selectors.session_skills(session=session, registrations=registrations)
    has_paper_test = session.paper_test_max_score is not None
    errors: list[str] = []
    for registration in registrations:
        recorded = {result.skill.casefold(): result for result in registration.practicals.all()}
        registration.rows = []
        for index, skill in enumerate(skills):
            result = recorded.get(skill.casefold())
            registration.rows.append(
                {
                    "index": index,
                    "skill": skill,
                    "value": "" if result is None else (PASS if result.is_passed else FAIL),
                    "comment": "" if result is None else result.comment,
                }
            )
        registration.score_text = "" if registration.paper_score is None else str(registration.paper_score)
    if request.method == "POST":
        practicals, scores, problems = _results_read(request.POST, registrations, has_paper_test)
        try:
            if problems:
                raise ValidationError(problems)
            changed = services.session_results_record(
                session=session, practicals=practicals, scores=scores, actor=request.user
            )
        except ValidationError as error:
            errors = _results_messages(error, registrations, practicals)
        else:
            message = ngettext("Results saved: %(count)d change.", "Results saved: %(count)d changes.", changed)
            messages.success(request, message % {"count": changed})
            return redirect("session-detail", pk=session.pk)
    context = {
        "session": session,
        "registrations": registrations,
        "skills": skills,
        "has_paper_test": has_paper_test,
        "errors": errors,
        "is_begun": session.is_begun,
        "PASS": PASS,
        "FAIL": FAIL,
    }
    return render(request, "courses/sessions/results.html", context)


def _results_read(post, registrations, has_paper_test: bool):
    """The posted results page as service input; what the page shows is updated to the posted
    values, so that a refused form comes back as it was sent. Returns the practical entries,
    the scores by officer id and the problems a service would not see (unreadable scores)."""
    practicals: list[services.PracticalEntry] = []
    scores: dict[int, Decimal | None] = {}
    problems: dict[int, list[ValidationError]] = {}
    for registration in registrations:
        officer_id = registration.officer_id
        if registration.attendance in NOT_SCORED:
            continue  # absent or excused: the page offers no result fields, so none are read
        for row in registration.rows:
            value = post.get(f"p-{officer_id}-{row['index']}", "")
            comment = post.get(f"c-{officer_id}-{row['index']}", "").strip()
            is_passed = {PASS: True, FAIL: False}.get(value)
            if is_passed is not None or row["value"]:
                practicals.append(services.PracticalEntry(officer_id, row["skill"], is_passed, comment))
            row["value"], row["comment"] = value if is_passed is not None else "", comment
        if has_paper_test:
            text = post.get(f"s-{officer_id}", "").strip().replace(",", ".")
            registration.score_text = text
            try:
                score = Decimal(text) if text else None
            except InvalidOperation:
                message = gettext("%(officer)s: the paper test score %(text)s is not a number.")
                problems[officer_id] = [
                    ValidationError(
                        message % {"officer": services.officer_label(registration.officer), "text": text},
                        code="invalid",
                    )
                ]
                continue
            if score != registration.paper_score:
                scores[officer_id] = score
    return practicals, scores, problems


def _results_messages(error: ValidationError, registrations, practicals) -> list[str]:
    """The service's messages (each naming its officer by name and service number), a
    practical's prefixed with its skill."""
    if not hasattr(error, "error_dict"):
        return _messages_of(error)
    lines: list[str] = []
    for key, messages_ in error.message_dict.items():
        if isinstance(key, str) and key.startswith("practical-"):
            prefix = f"{practicals[int(key.removeprefix('practical-'))].skill}: "
        else:
            prefix = ""
        lines.extend(prefix + message for message in messages_)
    return lines
