"""Every write to courses: ``<entity>_<action>`` functions, keyword-only, one transaction each.

A package of modules, one for each part of the domain; every name is re-exported here, so
callers write ``from courses import services`` and ``services.course_publish(...)``:

- ``markup``: Markdown rendered to sanitised HTML for lesson bodies.
- ``authoring``: creating and editing courses, modules and lessons; ordering, archiving, co-authors.
- ``lifecycle``: publishing a release; draft, in review, published and archived.
- ``enrollment``: enrolling officers (self, a list, a unit) and lesson progress.
- ``completion``: ``enrollment_complete_if_met``, the one place a course is completed.
- ``notifications``: the enrolment notice and the deadline reminders.
- ``attachments``: lesson attachments, their type told by their first bytes.
- ``sessions``: in-person sessions: scheduling, changes, cancelling, registering officers.
- ``session_records``: attendance, practical results and paper-test scores of a session.

A test that replaces a module-level name (``monkeypatch.setattr``) patches the module that
uses it (e.g. ``courses.services.notifications``), not this package: the functions look
their names up in their own module.
"""

from courses.services.attachments import (
    ATTACHMENT_SIGNATURES,
    attachment_type_detect,
    lesson_attachment_create,
    lesson_attachment_delete,
)
from courses.services.authoring import (
    COURSE_EDITABLE_FIELDS,
    LESSON_EDITABLE_FIELDS,
    course_author_add,
    course_author_remove,
    course_create,
    course_update,
    lesson_archive,
    lesson_create,
    lesson_unarchive,
    lesson_update,
    lessons_reorder,
    module_archive,
    module_create,
    module_unarchive,
    module_update,
    modules_reorder,
)
from courses.services.completion import COMPLETED_MESSAGE, _months_after, enrollment_complete_if_met
from courses.services.enrollment import (
    enrollment_create_self,
    enrollments_create,
    enrollments_create_for_unit,
    lesson_complete,
)
from courses.services.lifecycle import (
    course_archive,
    course_publish,
    course_return_to_draft,
    course_submit_for_review,
    course_unarchive,
)
from courses.services.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES, markdown_render
from courses.services.notifications import (
    DEADLINE_REMINDER_BATCH_SIZE,
    DEADLINE_REMINDER_MESSAGE,
    ENROLLED_MESSAGE,
    ENROLLED_WITH_DEADLINE_MESSAGE,
    enrollment_deadline_reminders_send,
)
from courses.services.session_records import (
    RECORDED_ATTENDANCE,
    PracticalEntry,
    attendance_record,
    officer_label,
    paper_scores_record,
    practicals_record,
    session_results_record,
)
from courses.services.sessions import (
    SESSION_CANCELLED_MESSAGE,
    SESSION_DAYS_AHEAD,
    SESSION_DAYS_BACK,
    SESSION_EDITABLE_FIELDS,
    SESSION_MOVED_MESSAGE,
    SESSION_REGISTERED_MESSAGE,
    session_cancel,
    session_create,
    session_register,
    session_register_unit,
    session_unregister,
    session_update,
)

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "ATTACHMENT_SIGNATURES",
    "COMPLETED_MESSAGE",
    "COURSE_EDITABLE_FIELDS",
    "DEADLINE_REMINDER_BATCH_SIZE",
    "DEADLINE_REMINDER_MESSAGE",
    "ENROLLED_MESSAGE",
    "ENROLLED_WITH_DEADLINE_MESSAGE",
    "LESSON_EDITABLE_FIELDS",
    "RECORDED_ATTENDANCE",
    "SESSION_CANCELLED_MESSAGE",
    "SESSION_DAYS_AHEAD",
    "SESSION_DAYS_BACK",
    "SESSION_EDITABLE_FIELDS",
    "SESSION_MOVED_MESSAGE",
    "SESSION_REGISTERED_MESSAGE",
    "PracticalEntry",
    "_months_after",
    "attachment_type_detect",
    "attendance_record",
    "course_archive",
    "course_author_add",
    "course_author_remove",
    "course_create",
    "course_publish",
    "course_return_to_draft",
    "course_submit_for_review",
    "course_unarchive",
    "course_update",
    "enrollment_complete_if_met",
    "enrollment_create_self",
    "enrollment_deadline_reminders_send",
    "enrollments_create",
    "enrollments_create_for_unit",
    "lesson_archive",
    "lesson_attachment_create",
    "lesson_attachment_delete",
    "lesson_complete",
    "lesson_create",
    "lesson_unarchive",
    "lesson_update",
    "lessons_reorder",
    "markdown_render",
    "module_archive",
    "module_create",
    "module_unarchive",
    "module_update",
    "modules_reorder",
    "officer_label",
    "paper_scores_record",
    "practicals_record",
    "session_cancel",
    "session_create",
    "session_register",
    "session_register_unit",
    "session_results_record",
    "session_unregister",
    "session_update",
]
