"""Pages for course authors: their courses, a course's details and outline, lessons, attachments.

Thin views: a selector finds the object for the user (404 when they cannot see it), an
explicit check refuses those who see it but may not edit it (403), a service makes the
change. Every change is a POST that ends in a redirect with a message (post/redirect/get);
a form with mistakes is shown again with them. Up/Down buttons work without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from courses import permissions, selectors, services
from courses.forms import (
    AttachmentForm,
    AuthorAddForm,
    CourseCreateForm,
    CourseEditForm,
    LessonEditForm,
    LessonTitleForm,
    ModuleTitleForm,
)
from courses.selectors import confirmations
from organisations.permissions import AuthenticatedHttpRequest

# Status buttons: action -> (service, message once done). Which ones a course shows depends
# on its status (``Course.lifecycle_actions``, from ``COURSE_TRANSITIONS``), the table the
# services enforce.
LIFECYCLE = {
    "submit": (services.course_submit_for_review, gettext_lazy("The course was submitted for review.")),
    "return": (services.course_return_to_draft, gettext_lazy("The course is a draft again.")),
    "publish": (services.course_publish, gettext_lazy("The course was published as a new release.")),
    "archive": (
        services.course_archive,
        gettext_lazy("The course was archived: no new enrolments; those under way continue."),
    ),
    "unarchive": (services.course_unarchive, gettext_lazy("The course is published again.")),
}


# The upload form shares the lesson page with the lesson form, so its ids are prefixed.
ATTACHMENT_PREFIX = "attachment"


def _error(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _outline_url(course_id: int, anchor: str = "") -> str:
    url = reverse("author-course-edit", args=[course_id])
    return f"{url}#{anchor}" if anchor else url


def _moved(ids: list[int], pk: int, direction: str) -> list[int]:
    """``ids`` with ``pk`` swapped with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        return ids
    index = ids.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ids):
        return ids
    moved = list(ids)
    moved[index], moved[other] = moved[other], moved[index]
    return moved


@login_required
def course_list(request: AuthenticatedHttpRequest):
    """The courses the user authors (an admin: every course)."""
    permissions.author_role_require(request.user)
    courses = selectors.authored_course_list(user=request.user)
    return render(request, "courses/authoring/course_list.html", {"courses": courses})


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: AuthenticatedHttpRequest):
    permissions.author_role_require(request.user)
    form = CourseCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(creator=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, gettext("The draft course was created. Add its modules and lessons below."))
            return redirect("author-course-edit", pk=course.pk)
    return render(request, "courses/authoring/course_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: AuthenticatedHttpRequest, pk: int):
    """The course's details, status, outline and authors on one page."""
    course = selectors.course_authoring_get(user=request.user, course_id=pk)
    if course is None:
        raise Http404
    permissions.course_edit_require(user=request.user, course=course)
    form = CourseEditForm(request.POST if request.method == "POST" else None, course=course, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(course=course, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, gettext("The course details were saved."))
            return redirect("author-course-edit", pk=course.pk)
    for module in course.all_modules:  # the template lists each module's lessons in two parts
        module.live_lessons = [  # type: ignore[attr-defined]  # for the template only; not a model attribute
            lesson for lesson in module.all_lessons if not lesson.is_archived
        ]
        module.archived_lessons = [  # type: ignore[attr-defined]  # for the template only; not a model attribute
            lesson for lesson in module.all_lessons if lesson.is_archived
        ]
    status_actions = course.lifecycle_actions
    context = {
        "course": course,
        "form": form,
        "live_modules": [module for module in course.all_modules if not module.is_archived],
        "archived_modules": [module for module in course.all_modules if module.is_archived],
        "status_actions": status_actions,
        # What the next release will ask of learners, shown while it can be published.
        "plan": selectors.course_release_plan(course=course) if "publish" in status_actions else None,
        "staff_links": selectors.course_staff_links(user=request.user, course=course),
    }
    return render(request, "courses/authoring/course_edit.html", context)


def _is_confirmed(request: AuthenticatedHttpRequest) -> bool:
    """Whether the POST comes from a confirmation page (its button sends ``confirm=1``)."""
    return request.method == "POST" and request.POST.get("confirm") == "1"


@login_required
@require_POST
def course_status(request: AuthenticatedHttpRequest, pk: int):
    """Change the course's status. Archiving, and publishing a course that asks nothing of
    learners, first show what will happen (a page whose button posts ``confirm=1``); without
    that confirmation nothing changes."""
    course = permissions.access_course_for_edit(user=request.user, course_id=pk)
    action = request.POST.get("action", "")
    if action not in LIFECYCLE:
        raise Http404
    # Only an action the course offers asks first; any other is refused by its service.
    asks_first = action in course.lifecycle_actions and not _is_confirmed(request)
    if action == "archive" and asks_first:
        context = {
            "course": course,
            "action": action,
            "under_way": confirmations.course_enrollments_under_way(course=course),
        }
        return render(request, "courses/authoring/course_status_confirm.html", context)
    if action == "publish" and asks_first:
        outline = selectors.course_authoring_get(user=request.user, course_id=pk)
        assert outline is not None  # the same course, just found for this user
        summary = confirmations.course_publish_summary(course=outline)
        if summary.is_empty:
            context = {"course": course, "action": action, "summary": summary}
            return render(request, "courses/authoring/course_status_confirm.html", context)
    service, done = LIFECYCLE[action]
    try:
        service(course=course, actor=request.user)
    except ValidationError as error:
        # One message each: a refused publish names every assessment that is not ready.
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("author-course-edit", pk=course.pk)


@login_required
@require_POST
def module_create(request: AuthenticatedHttpRequest, pk: int):
    course = permissions.access_course_for_edit(user=request.user, course_id=pk)
    form = ModuleTitleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("A module needs a title of at most 200 characters."))
        return redirect(_outline_url(course.pk, "add-module"))
    module = services.module_create(course=course, title=form.cleaned_data["title"], actor=request.user)
    messages.success(request, gettext("The module was added."))
    return redirect(_outline_url(course.pk, f"module-{module.pk}"))


@login_required
@require_POST
def module_rename(request: AuthenticatedHttpRequest, pk: int):
    module = permissions.access_module_for_edit(user=request.user, module_id=pk)
    form = ModuleTitleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("A module needs a title of at most 200 characters."))
    else:
        services.module_update(module=module, title=form.cleaned_data["title"], actor=request.user)
        messages.success(request, gettext("The module was renamed."))
    return redirect(_outline_url(module.course_id, f"module-{module.pk}"))


@login_required
@require_POST
def module_move(request: AuthenticatedHttpRequest, pk: int):
    """Up or Down: swap the module with its live neighbour."""
    module = permissions.access_module_for_edit(user=request.user, module_id=pk)
    ids = selectors.course_live_module_ids(course=module.course)
    if module.pk in ids:
        try:
            services.modules_reorder(
                course=module.course,
                module_ids=_moved(ids, module.pk, request.POST.get("direction", "")),
                actor=request.user,
            )
        except ValidationError as error:
            _error(request, error)
    return redirect(_outline_url(module.course_id, f"module-{module.pk}"))


@login_required
@require_POST
def module_archive(request: AuthenticatedHttpRequest, pk: int):
    module = permissions.access_module_for_edit(user=request.user, module_id=pk)
    if request.POST.get("archive") == "0":
        services.module_unarchive(module=module, actor=request.user)
        messages.success(request, gettext("The module is back in the outline, at the end."))
    else:
        services.module_archive(module=module, actor=request.user)
        messages.success(request, gettext("The module was archived. Officers who must complete its lessons still can."))
    return redirect(_outline_url(module.course_id, f"module-{module.pk}"))


@login_required
@require_POST
def lesson_create(request: AuthenticatedHttpRequest, pk: int):
    module = permissions.access_module_for_edit(user=request.user, module_id=pk)
    form = LessonTitleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("A lesson needs a title of at most 200 characters."))
        return redirect(_outline_url(module.course_id, f"module-{module.pk}"))
    lesson = services.lesson_create(module=module, title=form.cleaned_data["title"], actor=request.user)
    messages.success(request, gettext("The lesson was added. Write it now."))
    return redirect("author-lesson-edit", pk=lesson.pk)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request: AuthenticatedHttpRequest, pk: int):
    lesson = permissions.access_lesson_for_edit(user=request.user, lesson_id=pk)
    form = LessonEditForm(request.POST if request.method == "POST" else None, lesson=lesson)
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_update(lesson=lesson, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, gettext("The lesson was saved."))
            return redirect("author-lesson-edit", pk=lesson.pk)
    context = {
        "lesson": lesson,
        "course": lesson.module.course,
        "form": form,
        "attachments": selectors.lesson_attachments(lesson=lesson),
        "attachment_form": AttachmentForm(prefix=ATTACHMENT_PREFIX),
    }
    return render(request, "courses/authoring/lesson_edit.html", context)


@login_required
def lesson_preview(request: AuthenticatedHttpRequest, pk: int):
    """The lesson exactly as a trainee reads it (the same partial as the trainee's page)."""
    lesson = permissions.access_lesson_for_edit(user=request.user, lesson_id=pk)
    context = {
        "lesson": lesson,
        "course": lesson.module.course,
        "attachments": selectors.lesson_attachments(lesson=lesson),
    }
    return render(request, "courses/authoring/lesson_preview.html", context)


@login_required
@require_POST
def lesson_move(request: AuthenticatedHttpRequest, pk: int):
    lesson = permissions.access_lesson_for_edit(user=request.user, lesson_id=pk)
    ids = selectors.module_live_lesson_ids(module=lesson.module)
    if lesson.pk in ids:
        try:
            services.lessons_reorder(
                module=lesson.module,
                lesson_ids=_moved(ids, lesson.pk, request.POST.get("direction", "")),
                actor=request.user,
            )
        except ValidationError as error:
            _error(request, error)
    return redirect(_outline_url(lesson.module.course_id, f"lesson-{lesson.pk}"))


@login_required
@require_POST
def lesson_archive(request: AuthenticatedHttpRequest, pk: int):
    lesson = permissions.access_lesson_for_edit(user=request.user, lesson_id=pk)
    if request.POST.get("archive") == "0":
        services.lesson_unarchive(lesson=lesson, actor=request.user)
        messages.success(request, gettext("The lesson is back in its module, at the end."))
    else:
        services.lesson_archive(lesson=lesson, actor=request.user)
        messages.success(request, gettext("The lesson was archived. Officers who must complete it still can."))
    return redirect(_outline_url(lesson.module.course_id, f"lesson-{lesson.pk}"))


@login_required
@require_POST
def attachment_upload(request: AuthenticatedHttpRequest, pk: int):
    lesson = permissions.access_lesson_for_edit(user=request.user, lesson_id=pk)
    form = AttachmentForm(request.POST, request.FILES, prefix=ATTACHMENT_PREFIX)
    if not form.is_valid():
        messages.error(request, gettext("Choose a file to upload."))
    else:
        try:
            services.lesson_attachment_create(
                lesson=lesson,
                uploaded_file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                actor=request.user,
            )
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, gettext("The file was attached."))
    return redirect(reverse("author-lesson-edit", args=[lesson.pk]) + "#attachments")


@login_required
@require_http_methods(["GET", "POST"])
def attachment_delete(request: AuthenticatedHttpRequest, pk: int):
    """GET (or a POST without ``confirm=1``) shows what deleting will do (whether the lesson's
    body uses the attachment); a POST with ``confirm=1`` deletes it."""
    attachment = selectors.attachment_get(user=request.user, attachment_id=pk)
    if attachment is None:
        raise Http404
    permissions.course_edit_require(user=request.user, course=attachment.lesson.module.course)
    if not _is_confirmed(request):
        context = {
            "attachment": attachment,
            "lesson": attachment.lesson,
            "course": attachment.lesson.module.course,
            "is_referenced": confirmations.attachment_is_referenced(attachment=attachment),
        }
        return render(request, "courses/authoring/attachment_delete_confirm.html", context)
    services.lesson_attachment_delete(attachment=attachment, actor=request.user)
    messages.success(request, gettext("The attachment was deleted."))
    return redirect(reverse("author-lesson-edit", args=[attachment.lesson_id]) + "#attachments")


@login_required
@require_POST
def author_add(request: AuthenticatedHttpRequest, pk: int):
    course = permissions.access_course_for_edit(user=request.user, course_id=pk)
    form = AuthorAddForm(request.POST)
    user = selectors.author_candidate_get(username=form.cleaned_data["username"]) if form.is_valid() else None
    if user is None:
        messages.error(request, gettext("No active account has this user name."))
        return redirect(_outline_url(course.pk, "authors"))
    try:
        _author, created = services.course_author_add(course=course, user=user, actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        if created:
            messages.success(request, gettext("%(user)s is now an author of the course.") % {"user": user.username})
        else:
            messages.info(request, gettext("%(user)s is already an author of the course.") % {"user": user.username})
    return redirect(_outline_url(course.pk, "authors"))


@login_required
@require_POST
def author_remove(request: AuthenticatedHttpRequest, pk: int, user_id: int):
    course = permissions.access_course_for_edit(user=request.user, course_id=pk)
    author = selectors.course_authors(course=course).filter(user_id=user_id).first()
    if author is None:
        raise Http404
    try:
        services.course_author_remove(course=course, user=author.user, actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, gettext("%(user)s is no longer an author.") % {"user": author.user.username})
    return redirect(_outline_url(course.pk, "authors"))
