import sys

from django.core.management.base import BaseCommand, CommandError

from tilgang.inquiries.services import inquiry_receive_email


class Command(BaseCommand):
    help = (
        "Read one raw RFC 5322 e-mail on standard input and turn it into an inquiry, or a follow-up of the "
        "inquiry whose reference is in the subject (for a mail server's pipe: tilgang manage inquiry_receive "
        "< message.eml). A message that cannot become an inquiry is kept as a rejection for staff."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Read the message from this file instead of standard input.")

    def handle(self, *args, file: str | None = None, **options):
        if file:
            with open(file, "rb") as handle:
                raw = handle.read()
        else:
            raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("no message on standard input")
        result = inquiry_receive_email(raw=raw)
        if result.rejection is not None:
            # Exit 0: the message was received and is kept for staff; the mail server must not bounce it.
            self.stdout.write(
                f"rejected ({result.rejection.reason}); kept as rejection {result.rejection.pk}"
            )
        elif result.inquiry is not None:
            verb = "added to" if result.threaded else "created"
            self.stdout.write(f"{verb} {result.inquiry.reference}")
