"""``python manage.py import_roster PATH [--service CODE] [--dry-run]``

Acts as the system: no user, no scope limit. Exits 1 with the reason and every error on
stderr when the file is refused; nothing is written then.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from organisations import roster
from organisations.models import PoliceService


class Command(BaseCommand):
    help = "Import officers from a roster CSV file into a police service, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file (UTF-8, comma or semicolon separated).")
        parser.add_argument("--service", metavar="CODE", help="Police service code; needed when there are several.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and count, write nothing.")

    def handle(self, *args, path: str, service: str | None, dry_run: bool, **options):
        police_service = self._service(service)
        try:
            with Path(path).open("rb") as handle:
                data = handle.read(settings.ROSTER_IMPORT_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        try:
            result = roster.roster_import(
                service=police_service, data=data, file_name=path, actor=None, dry_run=dry_run
            )
        except roster.RosterImportError as error:
            lines = [f"{Path(path).name} was not imported: {len(error.errors)} error(s); nothing was written."]
            lines += [f"row {e['row']}, {e['field'] or '-'}: {e['message']}" for e in error.errors]
            raise CommandError("\n".join(lines)) from error
        heading = (
            f"Dry run of {Path(path).name} into {police_service.code}: nothing was written."
            if dry_run
            else f"Imported {Path(path).name} into {police_service.code} (import #{result.import_id})."
        )
        self.stdout.write(heading)
        self.stdout.write(
            f"rows {result.rows}, created {result.created}, updated {result.updated}, "
            f"transferred {result.transferred}, unchanged {result.unchanged}, missing {len(result.missing)}"
        )
        if result.missing:
            self.stdout.write("Active officers missing from the file: " + ", ".join(result.missing))

    def _service(self, code: str | None) -> PoliceService:
        if code:
            found = PoliceService.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"No police service has the code {code!r}.")
            return found
        services = list(PoliceService.objects.order_by("code")[:21])
        if len(services) == 1:
            return services[0]
        if not services:
            raise CommandError("There is no police service yet.")
        raise CommandError(
            "Several police services exist; name one with --service: " + ", ".join(s.code for s in services[:20])
        )
