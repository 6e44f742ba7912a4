from django.core.management.base import BaseCommand

from tilgang.institutions.services import public_bodies_sync


class Command(BaseCommand):
    help = "Sync counties and municipalities from the code lists as public bodies of category a (R-ELIG-3)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        report = public_bodies_sync(actor=None, apply=not dry_run)
        for label, lines in (("added", report.added), ("renamed", report.renamed), ("ceased", report.ceased)):
            for line in lines:
                self.stdout.write(f"{label}: {line}")
        self.stdout.write(
            f"{len(report.added)} added, {len(report.renamed)} renamed, {len(report.ceased)} ceased, "
            f"{report.unchanged} unchanged{' (dry run)' if dry_run else ''}"
        )
