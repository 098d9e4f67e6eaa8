"""Every write to assessments: ``<entity>_<action>`` functions, keyword-only, one transaction each.

Who may do what:
- authors of the course and admins create and edit banks, questions and assessments
  (``courses.selectors.course_is_editable``);
- an active officer enrolled in the course takes its published assessments;
- a trainer (or admin) whose scope covers the officer grades essays and grants allowances.

Attempts keep a snapshot of the questions as shown, answer key included (server-side only:
``assessments.selectors.question_for_display`` strips it before a trainee sees it), so a
later edit of the bank never changes a past result; only ``attempts_regrade`` does.

Time is read once per call from ``now`` (default ``timezone.now()``), so tests can move it.

The modules: ``banks`` (banks, scenarios, questions, answer-key corrections),
``assessments`` (creating, changing the settings of and publishing, and the course publish step), ``attempts``
(drawing, starting, saving answers, submitting), ``marking`` (essays graded by hand,
regrades), ``allowances`` (exceptions for one officer), ``imports`` (the bulk import of
CSV and GIFT files) and ``pools`` (pools and archiving); ``_common`` holds the checks and
number helpers they share. Callers import this package, not its modules.
"""

from assessments.services.allowances import allowance_grant
from assessments.services.assessments import (
    ASSESSMENT_EDITABLE_FIELDS,
    COURSE_PUBLISH_STEP,
    assessment_create,
    assessment_fixed_fields,
    assessment_publish,
    assessment_update,
    assessments_publish_with_course,
)
from assessments.services.attempts import (
    DEADLINE_GRACE,
    SHOWN_CHOICE_ID_LIMIT,
    answer_save,
    attempt_start,
    attempt_submit,
    question_snapshot,
)
from assessments.services.banks import (
    CHOICE_KINDS,
    QUESTION_KEY_FIELDS,
    bank_create,
    choices_normalise,
    partial_answers_normalise,
    partial_answers_stored,
    question_correct,
    question_create,
    scenario_create,
)
from assessments.services.imports import questions_import, questions_import_messages
from assessments.services.marking import answer_grade, attempts_regrade
from assessments.services.pools import pool_delete, pool_set, question_archive

__all__ = [
    "ASSESSMENT_EDITABLE_FIELDS",
    "CHOICE_KINDS",
    "COURSE_PUBLISH_STEP",
    "DEADLINE_GRACE",
    "QUESTION_KEY_FIELDS",
    "SHOWN_CHOICE_ID_LIMIT",
    "allowance_grant",
    "answer_grade",
    "answer_save",
    "assessment_create",
    "assessment_fixed_fields",
    "assessment_publish",
    "assessment_update",
    "assessments_publish_with_course",
    "attempt_start",
    "attempt_submit",
    "attempts_regrade",
    "bank_create",
    "choices_normalise",
    "partial_answers_normalise",
    "partial_answers_stored",
    "pool_delete",
    "pool_set",
    "question_archive",
    "question_correct",
    "question_create",
    "question_snapshot",
    "questions_import",
    "questions_import_messages",
    "scenario_create",
]
