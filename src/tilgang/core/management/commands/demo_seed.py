from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tilgang.core.demo import DEMO_PASSWORD, demo_seed
from tilgang.core.registry import demo_seeders


class Command(BaseCommand):
    help = "Load the demo data (institutions and one user per role). Demo mode only; idempotent."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo data are never loaded in production mode")
        users = demo_seed()
        # Each app's own demo data (cases, packages, inquiries …), in app order.
        for seed in demo_seeders():
            seed()
        self.stdout.write(self.style.SUCCESS(f"Demo log-ins (password for all: {DEMO_PASSWORD}):"))
        for user in users:
            roles = ", ".join(str(role) for role in user.roles)
            self.stdout.write(f"  {user.email:34} {roles}")
        self.stdout.write(
            "Staff sign in with a second factor; in the demo the sign-in page shows the current code."
        )
