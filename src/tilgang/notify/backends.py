"""E-mail backend for the demo: messages go to the visible outbox instead of the network."""

from django.core.mail.backends.base import BaseEmailBackend


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from tilgang.notify.models import OutboxMessage

        for message in email_messages:
            for recipient in message.recipients():
                OutboxMessage.objects.create(
                    channel=OutboxMessage.Channel.EMAIL,
                    recipient=recipient,
                    subject=message.subject,
                    body=message.body,
                )
        return len(email_messages)
