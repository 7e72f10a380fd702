"""An admin import that runs in the background: who started it, its progress, its result."""

import uuid

from django.conf import settings
from django.db import models

from diplomacy.validators import reject_control_characters


class ImportJob(models.Model):
    """A large file checked (a dry run) and then, once its editor confirms,
    imported by the background worker (diplomacy.jobs). The random id is the
    job's address; only its editor, or a superuser, may see it and its files."""

    class Step(models.TextChoices):
        CHECK = "check", "check"
        IMPORT = "import", "import"

    class State(models.TextChoices):
        WAITING = "waiting", "waiting for the worker"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    kind = models.CharField(max_length=20, validators=[reject_control_characters])
    filename = models.CharField(
        max_length=255,
        help_text="The name the editor's file had.",
        validators=[reject_control_characters],
    )
    # The upload and the reject file, by their random names in the upload folder.
    stored_name = models.CharField(max_length=100, validators=[reject_control_characters])
    reject_name = models.CharField(
        max_length=100, blank=True, validators=[reject_control_characters]
    )
    publish = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)
    merge_duplicates = models.BooleanField(default=False)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.CHECK)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    # The report of the last step: counts, errors, duplicates, summary.
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_step_display()}, {self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    def visible_to(self, user) -> bool:
        return user.is_superuser or user.pk == self.user_id
