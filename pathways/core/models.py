import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for records: a UUID for URLs (never a guessable sequence) and who changed it when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class VersionedDataFile(models.Model):
    """Base for the data files a region (or an instrument's author) loads as numbered versions: triage
    rules, instrument definitions, assessment settings, the RFG model. Each version keeps the checksum of
    the file it came from, so that loading the same file again makes no new version, and whatever used a
    version (a triage, an assessment, a score) keeps pointing at it. See `core.datafiles.load_versioned`."""

    version = models.PositiveIntegerField()
    file_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class ThrottleWindow(models.Model):
    """How many times a key (a hashed address, say) did something in one time window.

    Kept in the database so that every web server process counts together.
    """

    key = models.CharField(max_length=64)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="one_count_per_window")]

    def __str__(self) -> str:
        return f"{self.key[:8]}@{self.window}: {self.count}"


class IdempotencyKey(models.Model):
    """A create the API has made under a client's `Idempotency-Key`, so that a retry with the same key is
    answered with the record made the first time instead of a second one. Only the key, a digest of the
    request and the record's id are kept: the answer is made again, through the policy, when replayed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=64)
    request_digest = models.CharField(max_length=64)
    record_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.key}"
