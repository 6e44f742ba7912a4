from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One link of the tamper-evident chain. Append-only: never updated, never deleted.

    Holds IDs, never personal data, so deleting a person's data for retention keeps the chain whole.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)  # user id, None for the system
    action = models.CharField(max_length=100)  # "<app>.<thing>.<verb>", e.g. "accounts.user.invited"
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor_id", "created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    @property
    def actor(self):
        from django.contrib.auth import get_user_model

        if self.actor_id is None:
            return None
        return get_user_model().objects.filter(pk=self.actor_id).first()


class AuditHead(models.Model):
    """The chain's head (last seq and hash, MAC'd too), so deleting the newest events is detected.

    A single row, locked while an event is appended, which also serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)


def audit_key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode()
