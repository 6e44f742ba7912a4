from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tilgang.catalog.services import CatalogError, catalog_load


class Command(BaseCommand):
    help = "Load the variable catalog from a register directory's metadata.json (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--registers", required=True, type=Path, help="Register directory with metadata.json."
        )

    def handle(self, *args, **options):
        try:
            result = catalog_load(actor=None, directory=options["registers"])
        except CatalogError as error:
            raise CommandError(str(error)) from error
        if not result.changed:
            self.stdout.write(f"catalog already matches register version {result.register_version}")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"register version {result.register_version}: {len(result.created)} variables added, "
                f"{len(result.updated)} updated, {len(result.withdrawn)} withdrawn"
            )
        )
