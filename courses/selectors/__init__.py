"""Reads of courses, scoped to the user who asks.

Who sees what: trainers, leaders and admins see every course and lesson (they enrol and
teach across the catalogue); authors see their own courses; everyone else (trainees) sees
published courses, and the archived ones they are enrolled in (an enrolment under way
continues). A trainee reads the lessons only of the courses they are enrolled in (published,
or since archived): the live lessons, and the archived ones their enrolment's release still
requires (``lesson_get``).

Enrolments: a trainee sees their own; trainers and leaders also those of officers within
their scope; admins all.

The modules: ``courses`` (courses, modules and lessons), ``enrollments`` (enrolment lists
and progress, a user's own enrolments, the units and officers a trainer may enrol),
``completion`` (the completion rule and its requirement providers, module locks, and the
staff links and learner notices of later apps), ``learning`` (a learner's outline, the
lesson page's read, locked lessons, attachments), ``reports`` (the course report),
``authoring`` (the reads behind the authoring pages), ``publishing`` (what the next release
will ask of learners, and the publish steps of later apps) and ``sessions`` (in-person
sessions); ``_common`` holds the staff roles and the authorship test they share. Callers
import this package, not its modules, and settings name its providers through it
(``courses.selectors.lessons_requirement``).
"""

from courses.selectors._common import STAFF_ROLES
from courses.selectors.authoring import (
    author_candidate_get,
    authored_course_list,
    course_authoring_get,
    course_authors,
    course_live_module_ids,
    course_owner_default,
    module_live_lesson_ids,
)
from courses.selectors.completion import (
    LearnerAssessment,
    LearnerAssessmentProvider,
    LearnerNotice,
    LearnerNoticeProvider,
    Requirement,
    RequirementProvider,
    StaffLink,
    StaffLinkProvider,
    attendance_requirement,
    completion_requirements,
    course_staff_links,
    enrollment_locked_module_ids,
    lazy_text,
    learner_assessments,
    learner_notices,
    lessons_requirement,
    locked_module_ids,
    practicals_requirement,
)
from courses.selectors.courses import (
    course_get,
    course_is_editable,
    course_list,
    course_outline_get,
    lesson_get,
    module_get,
)
from courses.selectors.enrollments import (
    enrollment_list,
    learner_enrollment_get,
    officers_for_enrollment_get,
    own_enrollment_get,
    own_enrollment_list,
    own_enrollment_statuses,
    unit_for_enrollment_get,
    units_for_enrollment,
)
from courses.selectors.learning import (
    LESSON_LOCKED_MESSAGE,
    LearnerOutline,
    OutlineLesson,
    OutlineModule,
    ReaderLesson,
    ResumeTarget,
    attachment_get,
    course_lesson_ids,
    enrollments_progress,
    enrollments_with_progress,
    learner_outline_get,
    learner_progress,
    learner_sessions,
    lesson_attachments,
    lesson_is_locked,
    lesson_read_get,
    reader_lesson_get,
    resume_target,
)
from courses.selectors.publishing import PublishStep, ReleaseItem, ReleasePlan, course_release_plan, publish_steps
from courses.selectors.reports import CourseReport, ReportCounts, ReportRow, course_report
from courses.selectors.sessions import (
    own_session_list,
    session_courses,
    session_get,
    session_is_manageable,
    session_list,
    session_registrations,
    session_roster_is_visible,
    session_skills,
    trainer_scope_covers,
)

# Callers in courses read a user's roles as ``selectors.user_roles``, as they did when this was one module.
from organisations.selectors import user_roles

__all__ = [
    "LESSON_LOCKED_MESSAGE",
    "STAFF_ROLES",
    "CourseReport",
    "LearnerAssessment",
    "LearnerAssessmentProvider",
    "LearnerNotice",
    "LearnerNoticeProvider",
    "LearnerOutline",
    "OutlineLesson",
    "OutlineModule",
    "PublishStep",
    "ReaderLesson",
    "ReleaseItem",
    "ReleasePlan",
    "ReportCounts",
    "ReportRow",
    "Requirement",
    "RequirementProvider",
    "ResumeTarget",
    "StaffLink",
    "StaffLinkProvider",
    "attachment_get",
    "attendance_requirement",
    "author_candidate_get",
    "authored_course_list",
    "completion_requirements",
    "course_authoring_get",
    "course_authors",
    "course_get",
    "course_is_editable",
    "course_lesson_ids",
    "course_list",
    "course_live_module_ids",
    "course_outline_get",
    "course_owner_default",
    "course_release_plan",
    "course_report",
    "course_staff_links",
    "enrollment_list",
    "enrollment_locked_module_ids",
    "enrollments_progress",
    "enrollments_with_progress",
    "lazy_text",
    "learner_assessments",
    "learner_enrollment_get",
    "learner_notices",
    "learner_outline_get",
    "learner_progress",
    "learner_sessions",
    "lesson_attachments",
    "lesson_get",
    "lesson_is_locked",
    "lesson_read_get",
    "lessons_requirement",
    "locked_module_ids",
    "module_get",
    "module_live_lesson_ids",
    "officers_for_enrollment_get",
    "own_enrollment_get",
    "own_enrollment_list",
    "own_enrollment_statuses",
    "own_session_list",
    "practicals_requirement",
    "publish_steps",
    "reader_lesson_get",
    "resume_target",
    "session_courses",
    "session_get",
    "session_is_manageable",
    "session_list",
    "session_registrations",
    "session_roster_is_visible",
    "session_skills",
    "trainer_scope_covers",
    "unit_for_enrollment_get",
    "units_for_enrollment",
    "user_roles",
]
