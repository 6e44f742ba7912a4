from django.core.management.base import BaseCommand, CommandError

from tilgang.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Walk the audit chain and report the first event that was modified, deleted, inserted or reordered."
    )

    def handle(self, *args, **options):
        count, finding = audit_chain_verify()
        if finding is None:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {count} events verified"))
            return
        raise CommandError(f"audit chain broken at event {finding.seq}: {finding.kind} ({finding.detail})")
