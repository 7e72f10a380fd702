"""Admin imports in the background, and the upload folder they share with small ones.

A large upload becomes an ImportJob: the worker (``manage.py db_worker``,
django-tasks with its database backend) first checks it (a dry run), then,
once its editor confirms, imports it. The importer reports its progress after
each batch; the job writes it to a small file beside the upload rather than to
the database, because the import's own transaction would hide it from the
progress page until the very end.

Every file here (upload, reject file, progress) has a random name in the
upload folder and is swept with the previews when older than
IMPORT_PREVIEW_SECONDS; a running job touches its upload so it is not swept
under it. Only views that check the job's owner hand a file out.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from diplomacy.importing import import_file
from diplomacy.models import ImportJob

logger = logging.getLogger(__name__)

# What a result page lists at most: the rest is counted.
SHOWN_ERRORS = 200
SHOWN_DUPLICATES = 200
SHOWN_EXAMPLES = 5
PROGRESS = ".progress"


# -- the upload folder -----------------------------------------------------------------


def upload_dir() -> Path:
    """Where uploads wait; every app server and the worker must see the same
    folder (IMPORT_UPLOAD_DIR)."""
    folder = settings.IMPORT_UPLOAD_DIR
    return Path(folder) if folder else Path(tempfile.gettempdir()) / "diplomacy-imports"


def ensure_upload_dir() -> Path:
    folder = upload_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def preview_seconds() -> int:
    return settings.IMPORT_PREVIEW_SECONDS


def expired(path: Path) -> bool:
    return time.time() - path.stat().st_mtime > preview_seconds()


def sweep_stale_uploads(folder: Path) -> None:
    """Remove uploads, reject files and progress files older than a preview lives."""
    for upload in folder.iterdir():
        try:
            if expired(upload):
                upload.unlink()
        except FileNotFoundError:
            pass  # claimed or swept by another request meanwhile


def random_name(suffix: str) -> str:
    """A file name nobody can guess from another job's (the upload folder is shared)."""
    return f"{secrets.token_urlsafe(24)}{suffix}"


def reject_name_for(upload_name: str) -> str:
    """The reject file has the upload's format, under a random name of its own."""
    return random_name(f".rejected{Path(upload_name).suffix}")


# -- what the importer is asked and what it answers ------------------------------------------


def grouped_errors(report) -> list[dict]:
    """The report's errors grouped by column and value, with counts and the first lines."""
    group = getattr(report, "grouped_errors", None)
    if group is None:
        return []
    return [
        {
            "column": str(item.column),
            "headline": str(item.headline),
            "count": int(item.count),
            "examples": [str(example) for example in list(item.examples)[:SHOWN_EXAMPLES]],
        }
        for item in group()
    ]


def report_result(report) -> dict:
    """What a result page shows of an ImportReport, as JSON the job keeps."""
    rejected = getattr(report, "rejected", 0) or 0
    if not isinstance(rejected, int):
        rejected = len(rejected)
    duplicates = list(getattr(report, "probable_duplicates", None) or [])
    return {
        "summary": report.summary(),
        "ok": report.ok,
        "written": report.written,
        "dry_run": report.dry_run,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicates": report.duplicates,
        "rejected": rejected,
        "error_count": len(report.errors),
        "errors": [
            {"line": error.line, "column": error.field, "message": error.message}
            for error in report.errors[:SHOWN_ERRORS]
        ],
        # An error of the whole file (unreadable, not CSV) leaves no row to import.
        "file_error": any(error.line == 0 for error in report.errors),
        "groups": grouped_errors(report),
        "probable_duplicate_count": len(duplicates),
        "probable_duplicates": [str(item) for item in duplicates[:SHOWN_DUPLICATES]],
        "preview": [
            {"line": row.line, "slug": row.slug, "action": row.action, "changes": list(row.changes)}
            for row in report.preview
        ],
    }


def can_confirm(result: dict, skip_invalid: bool) -> bool:
    """A check that found no error, or errors only in rows the editor asked to skip."""
    if result.get("ok"):
        return True
    return skip_invalid and not result.get("file_error") and result.get("rows", 0) > 0


# -- progress ---------------------------------------------------------------------------------


def progress_path(job: ImportJob) -> Path:
    return upload_dir() / f"{job.stored_name}{PROGRESS}"


def write_progress(job: ImportJob, done: int, total: int | None) -> None:
    """Written whole then renamed, so a reader never sees half a file; the
    upload is touched so that the sweep leaves it while it is being read."""
    target = progress_path(job)
    partial = target.with_name(target.name + ".part")
    partial.write_text(json.dumps({"done": done, "total": total}), encoding="utf-8")
    os.replace(partial, target)
    with contextlib.suppress(FileNotFoundError):
        os.utime(upload_dir() / job.stored_name)


# A running job writes its progress after every batch (a second or so). One
# whose progress has not moved for this long has lost its worker (killed, or
# its machine restarted); its transaction went with its connection.
STALLED_SECONDS = 15 * 60
STALLED_SUMMARY = (
    "The import worker stopped while running this job (no progress for {minutes} "
    "minutes): nothing was written. Upload the file again."
)


def fail_if_stalled(job: ImportJob) -> bool:
    """Mark a running job whose worker is gone as failed; True when it was."""
    if job.state != ImportJob.State.RUNNING:
        return False
    try:
        quiet = time.time() - progress_path(job).stat().st_mtime
    except FileNotFoundError:
        quiet = (timezone.now() - job.updated_at).total_seconds()
    if quiet < STALLED_SECONDS:
        return False
    summary = STALLED_SUMMARY.format(minutes=STALLED_SECONDS // 60)
    # Only if still running: a worker that was merely slow and has finished wins.
    failed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
        state=ImportJob.State.FAILED, result={"summary": summary}, updated_at=timezone.now()
    )
    job.refresh_from_db()
    if failed:
        progress_path(job).unlink(missing_ok=True)
    return bool(failed)


def read_progress(job: ImportJob) -> tuple[int, int | None]:
    """Rows done and rows in the file (None until the importer knows)."""
    if job.state != ImportJob.State.RUNNING:
        return job.rows_done, job.rows_total
    try:
        data = json.loads(progress_path(job).read_text(encoding="utf-8"))
        return int(data["done"]), (int(data["total"]) if data.get("total") else None)
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return 0, None


# -- running a job ----------------------------------------------------------------------------


def start(job: ImportJob) -> None:
    """Queue the job's current step for the worker."""
    run_import_job.enqueue(str(job.pk))


def confirm(job: ImportJob) -> bool:
    """Turn a finished check into a queued import, once: a second confirmation
    (a double click, another tab) finds the job no longer a finished check."""
    claimed = ImportJob.objects.filter(
        pk=job.pk, step=ImportJob.Step.CHECK, state=ImportJob.State.DONE
    ).update(step=ImportJob.Step.IMPORT, state=ImportJob.State.WAITING, rows_done=0)
    if not claimed:
        return False
    job.refresh_from_db()
    start(job)
    return True


@task()
def run_import_job(job_id: str) -> None:
    """The worker's entry point: run the job's step unless another worker has."""
    run(job_id)


def run(job_id: str) -> None:
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.WAITING).update(
        state=ImportJob.State.RUNNING
    )
    if not claimed:
        return  # run already, or gone with its user
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    folder = ensure_upload_dir()
    upload = folder / job.stored_name
    if not upload.exists():
        _finish(
            job,
            ImportJob.State.FAILED,
            {"summary": "The uploaded file expired before the import started: upload it again."},
        )
        return
    os.utime(upload)
    write_progress(job, 0, None)
    check = job.step == ImportJob.Step.CHECK
    reject_name = "" if check else reject_name_for(job.stored_name)

    def progress(rows_done: int, rows_total: int | None) -> None:
        write_progress(job, rows_done, rows_total)

    try:
        report = import_file(
            upload,
            job.kind,
            user=job.user,
            publish=job.publish,
            dry_run=check,
            skip_invalid=job.skip_invalid,
            merge_duplicates=job.merge_duplicates,
            reject_path=folder / reject_name if reject_name else None,
            progress=progress,
        )
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        _finish(
            job,
            ImportJob.State.FAILED,
            {"summary": "The import stopped on an unexpected error: nothing was written."},
        )
        return
    result = report_result(report)
    if not check:
        written = getattr(report, "reject_path", None)
        job.reject_name = Path(written).name if written and Path(written).exists() else ""
    if not check or not can_confirm(result, job.skip_invalid):
        upload.unlink(missing_ok=True)  # imported, or never to be: not needed again
    job.rows_done = job.rows_total = report.rows
    _finish(job, ImportJob.State.DONE, result)


def _finish(job: ImportJob, state: str, result: dict) -> None:
    job.state = state
    job.result = result
    job.save(
        update_fields=["state", "result", "rows_done", "rows_total", "reject_name", "updated_at"]
    )
    progress_path(job).unlink(missing_ok=True)


def owned_jobs(user, kinds) -> list[ImportJob]:
    """The user's recent background imports of these kinds, newest first."""
    found = list(
        ImportJob.objects.filter(user=user, kind__in=kinds).order_by(F("created_at").desc())[:10]
    )
    for job in found:
        fail_if_stalled(job)
    return found
