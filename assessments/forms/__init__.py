"""Forms for the assessment pages, by concern: ``taking`` (an attempt's answers, grades,
allowances), ``questions`` (question authoring) and ``assessments`` (an assessment, its
settings and pools). Every public name is re-exported here."""

from assessments.forms.assessments import AssessmentForm, PoolForm, ServiceErrorsMixin
from assessments.forms.questions import QuestionForm, QuestionKeyForm, competency_label
from assessments.forms.taking import CHOICE_KINDS, AllowanceForm, AnswerGradeForm, AttemptForm, field_name

__all__ = [
    "CHOICE_KINDS",
    "AllowanceForm",
    "AnswerGradeForm",
    "AssessmentForm",
    "AttemptForm",
    "PoolForm",
    "QuestionForm",
    "QuestionKeyForm",
    "ServiceErrorsMixin",
    "competency_label",
    "field_name",
]
