from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A message the demo set-up "sent": e-mail and SMS land here, visible at /utboks/."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    channel = models.CharField(max_length=5, choices=Channel.choices)
    recipient = models.CharField(max_length=254, db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]


class SmsDelivery(models.Model):
    """Every SMS sent through the gateway: status and attempts, never the text (it may hold a password)."""

    recipient = models.CharField(max_length=20)
    purpose = models.CharField(max_length=60)
    status = models.CharField(max_length=10, default="pending")  # pending | sent | failed
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
