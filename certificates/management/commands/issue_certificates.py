"""``python manage.py issue_certificates --course CODE [--session ID] [--reissue --reason TEXT] [--wait]``

Starts a bulk run as the system (no permission check, no scope): issue every missing
certificate of the course's completions (or those of the officers registered for the
session), or with ``--reissue`` replace the current ones. The workers do the work; the
command prints the run's id and counts, and with ``--wait`` the progress until the run is
finished. On bad input it exits 1 with a one-line reason and starts nothing.
"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from certificates import runs
from certificates.models import IssueRun
from courses.models import Course, TrainingSession

POLL_SECONDS = 2


class Command(BaseCommand):
    help = "Issue (or reissue) the certificates of a course or one of its sessions in bulk, through the workers."

    def add_arguments(self, parser):
        parser.add_argument("--course", required=True, metavar="CODE", help="The course's code.")
        parser.add_argument("--session", type=int, metavar="ID", help="Only the officers registered for this session.")
        parser.add_argument(
            "--reissue", action="store_true", help="Replace the current certificates (the old ones are superseded)."
        )
        parser.add_argument("--reason", default="", help="Why (required with --reissue); recorded with the run.")
        parser.add_argument("--wait", action="store_true", help="Print the progress until the run is finished.")

    def handle(self, *args, course: str, session: int | None, reissue: bool, reason: str, wait: bool, **options):
        found = Course.objects.filter(code=course).first()
        if found is None:
            raise CommandError(f"No course has the code {course!r}.")
        chosen = None
        if session is not None:
            chosen = TrainingSession.objects.filter(pk=session, course=found).first()
            if chosen is None:
                raise CommandError(f"Course {found.code} has no session with the id {session}.")
        if reissue and not reason.strip():
            raise CommandError("--reissue needs --reason: it is recorded on the old certificates.")
        kind = IssueRun.Kind.REISSUE if reissue else IssueRun.Kind.ISSUE
        try:
            run = runs.issue_run_create(course=found, actor=None, session=chosen, kind=kind, reason=reason)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        progress = runs.issue_run_progress(run)
        self.stdout.write(f"Run {run.pk}: {self._counts(progress)}")
        if not wait:
            return
        shown = progress
        while not progress.is_finished:
            time.sleep(POLL_SECONDS)
            progress = runs.issue_run_progress(run)
            if progress != shown:
                self.stdout.write(self._counts(progress))
                shown = progress
        self.stdout.write(f"Run {run.pk} finished: {self._counts(progress)}")

    @staticmethod
    def _counts(progress: runs.RunProgress) -> str:
        return (
            f"{progress.total} completions, {progress.done} issued, {progress.skipped} already issued, "
            f"{progress.failed} failed, {progress.pending} waiting ({progress.percent}%)"
        )
