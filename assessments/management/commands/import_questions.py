"""``python manage.py import_questions BANK_ID FILE [--format gift|csv] [--actor USERNAME]``

Reads a GIFT or CSV file (see assessments/importers/gift.py and
assessments/importers/bank_csv.py) into a question bank, all or nothing. Without ``--actor``
it acts as the system (no permission check); with one, that user must be allowed to edit
the bank. On failure it exits 1 with a one-line reason followed by every error and its line
(GIFT) or row (CSV) number on stderr; nothing is written then.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessments import services
from assessments.importers import bank_csv, gift
from assessments.models import QuestionBank
from organisations.models import User

MAX_BYTES = settings.QUESTION_IMPORT_MAX_BYTES
FORMATS_BY_SUFFIX = {".gift": "gift", ".txt": "gift", ".csv": "csv"}


class Command(BaseCommand):
    help = "Import questions from a GIFT or CSV file into a question bank, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("bank_id", type=int, help="The question bank's id.")
        parser.add_argument("path", help="The file: GIFT text or the bank CSV, UTF-8.")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=("gift", "csv"),
            help="Default: from the file name (.gift and .txt GIFT, .csv CSV).",
        )
        parser.add_argument("--actor", metavar="USERNAME", help="Import as this user (checked like the pages do).")

    def handle(self, *args, bank_id: int, path: str, file_format: str | None, actor: str | None, **options):
        name = Path(path).name
        bank = QuestionBank.objects.filter(pk=bank_id).select_related("course").first()
        if bank is None:
            raise CommandError(f"No question bank has the id {bank_id}.")
        user = None
        if actor:
            user = User.objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"No user has the username {actor!r}.")
        file_format = file_format or FORMATS_BY_SUFFIX.get(Path(path).suffix.lower())
        if file_format is None:
            raise CommandError(f"Cannot tell the format of {name}: give --format gift or --format csv.")
        try:
            with Path(path).open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        if len(data) > MAX_BYTES:
            raise CommandError(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        try:
            questions = self._parse(data, file_format)
            created = services.questions_import(bank=bank, questions=questions, actor=user)
        except gift.ImportProblems as error:
            unit = "line" if file_format == "gift" else "row"
            lines = [f"{name} was not imported: {len(error.problems)} error(s); nothing was written."]
            lines += [f"{unit} {number}: {message}" for number, message in error.problems]
            raise CommandError("\n".join(lines)) from error
        except PermissionDenied as error:
            raise CommandError(f"{name} was not imported: {error}") from error
        except ValidationError as error:
            messages = services.questions_import_messages(error)
            raise CommandError("\n".join([f"{name} was not imported; nothing was written.", *messages])) from error
        self.stdout.write(f"Imported {len(created)} question(s) from {name} into bank {bank.pk} ({bank.title}).")

    def _parse(self, data: bytes, file_format: str) -> list[dict]:
        limit = settings.QUESTION_IMPORT_MAX_QUESTIONS
        if file_format == "csv":
            return bank_csv.bank_csv_parse(data, max_questions=limit)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise gift.ImportProblems([(line, "The file is not UTF-8 text.")]) from error
        return gift.gift_parse(text, max_questions=limit)
