from django.core.management.base import BaseCommand, CommandError

from organisations import demo


class Command(BaseCommand):
    help = (
        "Seed the fictional demo police service, its units, officers and demo users, then the steps "
        "listed in settings.DEMO_SEED_STEPS. Idempotent; refused when settings.DEMO_SEED_ALLOWED is false."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=f"Set the demo accounts' passwords back to {demo.DEMO_PASSWORD!r} and reactivate them.",
        )

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        try:
            context = demo.seed(
                stdout=self.stdout if verbosity > 1 else None, reset_passwords=options["reset_passwords"]
            )
        except demo.DemoSeedRefused as error:
            raise CommandError(str(error)) from error
        if verbosity > 0:
            self.stdout.write(self.style.SUCCESS(context.summary()))
            for note in context.notes:
                self.stdout.write(note)
