from django.core.management.base import BaseCommand, CommandParser

from lms.events import services


class Command(BaseCommand):
    help = "Re-dispatch due outbox deliveries to the broker, or deliver them in this process with --now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="Run pending deliveries here instead of queueing them.")

    def handle(self, *args: str, now: bool, **options: object) -> None:
        if now:
            count = services.deliveries_run_pending()
            self.stdout.write(f"{count} deliveries done.")
        else:
            count = services.deliveries_sweep()
            self.stdout.write(f"{count} deliveries handed to the broker.")
