from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from measures.models import Measure

CURATED_FIXTURE = settings.BASE_DIR / "fixtures" / "budget2026.json"


class Command(BaseCommand):
    """``manage.py seed``: the curated data, loaded only into an empty knowledge base."""

    help = (
        "Loads the curated fixtures into an empty knowledge base. A database that already holds "
        "measures is left alone, so edits made in the admin are kept; --force reloads the "
        "fixtures over it (records in the fixtures are reset, others are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even if measures exist.")

    def handle(self, *args, force=False, **options):
        existing = Measure.objects.count()
        if existing and not force:
            self.stdout.write(
                f"The knowledge base already holds {existing} measures: left as it is "
                "(use --force to reload the curated fixtures)."
            )
            return
        call_command("import_data", CURATED_FIXTURE, verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS(f"Loaded {Measure.objects.count()} measures."))
