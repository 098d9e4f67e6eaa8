"""What each action code of the trail means, in the reader's language.

Services record an action as a stable code (``certificate.revoke``); people read the
label. A code with no label here (a new service, an old entry) shows as the code itself,
so nothing is ever hidden; ``tests/security_hardening/test_audit_page.py`` checks that
every code the services write has a label.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    "account.activated": _("Account activated"),
    "account.password_changed": _("Password changed"),
    "account.password_reset": _("Password reset"),
    "activation_code.issued": _("Activation code issued"),
    "api_token.revoked": _("API token revoked"),
    "assessment.allowance": _("Assessment allowance granted"),
    "assessment.update": _("Assessment settings changed"),
    "assessment.create": _("Assessment created"),
    "assessment.graded": _("Attempt graded"),
    "assessment.publish": _("Assessment published"),
    "assessment.regraded": _("Attempt regraded"),
    "assessment.submitted": _("Attempt submitted"),
    "bank.create": _("Question bank created"),
    "certificate.expire": _("Certificate expired"),
    "certificate.reissue": _("Certificate reissued"),
    "certificate.revoke": _("Certificate revoked"),
    "certificate.run_create": _("Certificate run started"),
    "certificate.run_retry": _("Certificate run retried"),
    "conflict.refused": _("Refused: conflict of interest"),
    "course.archive": _("Course archived"),
    "course.author_add": _("Course author added"),
    "course.author_remove": _("Course author removed"),
    "course.completed": _("Course completed"),
    "course.create": _("Course created"),
    "course.enrolled": _("Officers enrolled"),
    "course.modules_reorder": _("Modules reordered"),
    "course.publish": _("Course published"),
    "course.return_to_draft": _("Course returned to draft"),
    "course.submit": _("Course submitted for review"),
    "course.unarchive": _("Course restored from the archive"),
    "course.update": _("Course changed"),
    "lesson.archive": _("Lesson archived"),
    "lesson.attachment_add": _("Attachment added"),
    "lesson.attachment_delete": _("Attachment deleted"),
    "lesson.create": _("Lesson created"),
    "lesson.unarchive": _("Lesson restored from the archive"),
    "lesson.update": _("Lesson changed"),
    "module.archive": _("Module archived"),
    "module.create": _("Module created"),
    "module.lessons_reorder": _("Lessons reordered"),
    "module.unarchive": _("Module restored from the archive"),
    "module.update": _("Module changed"),
    "officer.left": _("Officer left the service"),
    "officer.transferred": _("Officer transferred"),
    "pool.delete": _("Question pool removed"),
    "pool.set": _("Question pool set"),
    "question.archived": _("Question archived"),
    "question.corrected": _("Question corrected"),
    "question.create": _("Question created"),
    "questions.imported": _("Questions imported"),
    "readiness.handover_decision_approved": _("Handover decision approved"),
    "readiness.handover_decision_recorded": _("Handover decision recorded"),
    "readiness.joint_assessment_recorded": _("Joint assessment recorded"),
    "readiness.profile_created": _("Requirement profile created"),
    "readiness.profile_updated": _("Requirement profile changed"),
    "readiness.requirement_deleted": _("Requirement removed"),
    "readiness.requirement_set": _("Requirement set"),
    "readiness.sync_requested": _("Readiness update requested"),
    "role.granted": _("Role granted"),
    "role.revoked": _("Role revoked"),
    "roster.officer_created": _("Officer added to the roster"),
    "roster.officer_updated": _("Officer's record changed"),
    "session.attendance": _("Attendance recorded"),
    "session.cancel": _("Session cancelled"),
    "session.create": _("Session created"),
    "session.held": _("Session marked as held"),
    "session.paper_score": _("Paper test score recorded"),
    "session.practical": _("Practical result recorded"),
    "session.registered": _("Officers registered for a session"),
    "session.unregistered": _("Officer unregistered from a session"),
    "session.update": _("Session changed"),
    "unit.moved": _("Unit moved"),
    "user.deactivated": _("User deactivated"),
    "user.reactivated": _("User reactivated"),
}


def action_label(code: str) -> str:
    """The translated label of an action code; the code itself when it has none."""
    label = ACTION_LABELS.get(code)
    return code if label is None else str(label)
