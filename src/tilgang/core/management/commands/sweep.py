import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from tilgang.core.registry import sweeps


class Command(BaseCommand):
    help = "Run every app's time-based sweeps (deadlines, reminders, retention). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args, every: int = 0, **options):
        while True:
            now = timezone.now()
            for sweep in sweeps():
                acted = sweep(now)
                if acted:
                    self.stdout.write(f"{sweep.__module__}.{sweep.__name__}: {acted}")
            if not every:
                return
            time.sleep(every)
