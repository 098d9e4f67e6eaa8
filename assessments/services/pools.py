"""Pools (questions drawn at random by tag) and archiving questions."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from assessments.models import Assessment, Pool, Question
from assessments.services._common import _bank_edit_check, _course_edit_check
from lms.audit.services import audit_record
from organisations.models import User

# Pools and archiving ----------------------------------------------------------------------


def _tagged_live_count(*, bank_id: int, tag: str) -> int:
    return Question.objects.filter(bank_id=bank_id, is_archived=False).filter(Q(competency=tag) | Q(topic=tag)).count()


@transaction.atomic
def pool_set(*, assessment: Assessment, tag: str, count: int, actor: User) -> Pool:
    """Draw ``count`` questions tagged ``tag`` (competency or topic) in each new attempt;
    replaces the assessment's pool of that tag. Audited (``pool.set``)."""
    _course_edit_check(actor=actor, course=assessment.course)
    tag = tag.strip()
    if not tag:
        raise ValidationError({"tag": [_("Give a competency code or a topic.")]})
    if count < 1:
        raise ValidationError({"count": [_("Draw at least one question.")]})
    matching = _tagged_live_count(bank_id=assessment.bank_id, tag=tag)
    if matching < count:
        raise ValidationError(
            {
                "count": [
                    _("Only %(matching)d live question(s) of the bank have the tag %(tag)r.")
                    % {"matching": matching, "tag": tag}
                ]
            }
        )
    pool = Pool.objects.filter(assessment=assessment, tag=tag).first()
    before = None if pool is None else {"count": pool.count}
    if pool is None:
        pool = Pool(assessment=assessment, tag=tag, count=count)
    pool.count = count
    pool.full_clean()
    pool.save()
    audit_record(actor=actor, action="pool.set", target=assessment, before=before, after={"tag": tag, "count": count})
    return pool


@transaction.atomic
def pool_delete(*, pool: Pool, actor: User) -> None:
    """Remove a pool (new attempts only; past snapshots stay). Audited (``pool.delete``)."""
    _course_edit_check(actor=actor, course=pool.assessment.course)
    before = {"tag": pool.tag, "count": pool.count}
    assessment = pool.assessment
    pool.delete()
    audit_record(actor=actor, action="pool.delete", target=assessment, before=before)


@transaction.atomic
def question_archive(*, question: Question, actor: User) -> Question:
    """Never draw the question again; attempts that showed it keep it. Audited
    (``question.archived``); archiving an archived question changes nothing."""
    question = Question.objects.select_for_update(of=("self",)).select_related("bank__course").get(pk=question.pk)
    _bank_edit_check(actor=actor, bank=question.bank)
    if not question.is_archived:
        question.is_archived = True
        question.save(update_fields=["is_archived", "updated_at"])
        audit_record(actor=actor, action="question.archived", target=question, after={"is_archived": True})
    return question
