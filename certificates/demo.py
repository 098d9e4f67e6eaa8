"""Demo certificates: a ``DEMO_SEED_STEPS`` step (see ``organisations.demo``), after the courses'.

The mission gets two signatories; every demo completion gets its certificate through the
issuing service (the outbox deliveries that run after the seed then find nothing to do);
one certificate is revoked, so the verification page can show what a revoked paper looks
like. Idempotent: signatories are looked up by name, issuing skips what exists, and the
revocation happens once. ``seed_demo`` prints the verification link of the first valid
certificate (``PUBLIC_BASE_URL/verify/<code>/``).
"""

from certificates import services
from certificates.models import Certificate, Signatory
from certificates.pdf import verification_url
from courses.models import CourseCompletion
from organisations.models import Organisation

SIGNATORIES = [
    ("Ama Mensah", "Police Commissioner, UN Police"),
    ("Jean-Baptiste Ndayisaba", "Head of Training, Kessara National Police"),
]
REVOKED_REASON = "Issued in error: the attendance sheet of the session was corrected."
TRAINER = "demo.trainer"


def certificates_seed(context) -> None:
    created = 0
    for mission in Organisation.objects.filter(kind=Organisation.Kind.MISSION):
        for order, (name, title) in enumerate(SIGNATORIES, start=1):
            _, is_new = Signatory.objects.get_or_create(
                organisation=mission, name=name, defaults={"title": title, "order": order}
            )
            created += is_new
    missing = services.completions_without_certificate(CourseCompletion.objects.values_list("pk", flat=True))
    result = services.certificates_issue(completion_ids=missing)
    if not Certificate.objects.filter(status=Certificate.Status.REVOKED).exists():
        victim = (
            Certificate.objects.filter(status=Certificate.Status.VALID)
            .exclude(officer__user__username__startswith="demo.trainee")
            .order_by("pk")
            .first()
        )
        if victim is not None:
            services.certificate_revoke(certificate=victim, actor=context.users[TRAINER], reason=REVOKED_REASON)
    context.created["signatories"] += created
    context.created["certificates"] += len(result.issued)
    context.totals["certificates"] = Certificate.objects.count()
    sample = Certificate.objects.filter(status=Certificate.Status.VALID).order_by("pk").first()
    context.log(f"certificates: {len(result.issued)} new, {context.totals['certificates']} in all")
    if sample is not None:
        context.notes.append(f"Verify a demo certificate at {verification_url(sample.code)}")
