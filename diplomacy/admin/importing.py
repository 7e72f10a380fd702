"""The admin's bulk import: upload, dry-run preview with every row's errors, confirm.

A file up to IMPORT_BACKGROUND_BYTES is previewed and imported in the request,
as below; a larger one is checked and imported by the background worker
(diplomacy.jobs), with a progress page and a result page that only its editor
(or a superuser) can open.

A preview is confirmed at most once: the confirmation claims the stored upload
by renaming it, an atomic step on one file system, so a second confirmation
(a double click, a second tab, another worker process) finds nothing to claim
and writes nothing. The upload is deleted once imported; uploads left behind
(a preview never confirmed, a worker killed mid-import) are swept when they
are older than a preview lives (IMPORT_PREVIEW_SECONDS).
"""

import os
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse

from diplomacy import jobs
from diplomacy.admin.base import can_publish
from diplomacy.choices import ConsentMode, ExitKind
from diplomacy.importing import import_file
from diplomacy.importing.specs import SPECS
from diplomacy.importing.values import CellError
from diplomacy.jobs import (
    ensure_upload_dir,
    preview_seconds,
    sweep_stale_uploads,
    upload_dir,
)
from diplomacy.models import ImportJob
from diplomacy.partial_dates import WRITTEN_HELP

SESSION_KEY = "diplomacy_imports"
CLAIMED = ".claimed"
_expired = jobs.expired


# What a cell of each kind of column holds, by the reader the spec names
# (diplomacy/importing/specs.py); a choice column lists its values from the model.
READER_HELP = {
    "ignore": "The record's key in the register; made from the title and date when absent.",
    "required": "Text. Required.",
    "text": "Text.",
    "date": f"A date as it is known: {WRITTEN_HELP}.",
    "states": "States by ISO code (AZ or AZE) or COW number, separated by ; or |.",
    "state": "A state by ISO code (AZ or AZE) or COW number.",
    "required_state": "A state by ISO code (AZ or AZE) or COW number. Required.",
    "sectors": "Sectors by slug, separated by ; or |.",
    "people": "People by slug, separated by ; or |.",
    "identifier": "Its number or key in that register.",
    "identifiers": "Identifiers as register:value (wikidata:Q42;unts:54113), as the downloads "
    "write them; a register of unts, atop, wikidata not named is removed.",
    "precision": "day, month or year: how precisely the date beside it is known (as the "
    "downloads write it); may only make the date coarser.",
    "source": "A source already in the register, by its URL or title.",
    "quote": "The passage of that source that supports the record.",
    "amount": "An amount, e.g. 1500000 or 1,500,000.00.",
    "currency": "An ISO 4217 currency code, e.g. USD.",
    "commitments": "Commitment kinds by value (defence, consultation, political_support, …), "
    "separated by ; or |. A kind left out is removed, with its quotes; an empty cell removes all.",
}


# A membership file's columns (diplomacy/importing/specs.py MembershipSpec):
# not read by the record specs' readers, so described here.
MEMBERSHIP_HELP = {
    "treaty": "The treaty, by its key in the register (as in its address). Required.",
    "state": "A state by ISO code (AZ or AZE) or COW number. Required.",
    "mode": f"How it consented: one of {', '.join(ConsentMode.values)}.",
    "joined": f"When it consented: {WRITTEN_HELP}.",
    "in_force": "When the treaty entered into force for it (a date as above).",
    "left": "When its exit took effect (a date as above); needs exit_kind.",
    "exit_kind": f"How it left: one of {', '.join(ExitKind.values)}.",
    "note": "Text.",
}

# What the form calls each kind of file.
KIND_LABELS = {
    "treaty": "Treaties",
    "visit": "Visits",
    "project": "Projects",
    "membership": "Treaty memberships over time (one row per treaty and state)",
}


def column_help(kind: str) -> list[dict]:
    """The import's columns for ``kind``, generated from its spec, as the form lists them."""
    spec = SPECS[kind]
    if kind == "membership":
        return [{"column": column, "help": MEMBERSHIP_HELP[column]} for column in spec.columns]
    rows = []
    for column, reader in spec.columns.items():
        text = READER_HELP.get(reader)
        if text is None:  # a choice (kind, status, level): its values, and what an empty cell is
            field = spec.model._meta.get_field(column)
            text = f"One of: {', '.join(str(value) for value, _ in field.choices)}."
            read: dict = {}
            try:
                getattr(spec, f"read_{reader}")(column, "", read, {}, {}, None)
            except CellError:
                text += " Required."
            else:
                text += f" Empty: {read[column]}."
        rows.append({"column": column, "help": text})
    return rows


class ImportForm(forms.Form):
    # Absent (a page that imports one kind), it is the page's own kind.
    kind = forms.ChoiceField(label="The file holds", choices=(), required=False)
    file = forms.FileField(
        help_text=(
            "CSV (comma or semicolon separated, UTF-8, a header row naming the columns) "
            "or JSON (a list of objects with the same keys); the columns are listed below."
        )
    )
    publish = forms.BooleanField(
        required=False, help_text="Publish the imported records at once (publishers only)."
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label="Skip invalid rows and give me a reject file",
        help_text=(
            "Import the rows without errors; the others come back in a file of the same "
            "format, with a column saying what is wrong, ready to fix and import again. "
            "Without this, one bad row means nothing is written."
        ),
    )
    merge_duplicates = forms.BooleanField(
        required=False,
        label="Merge probable duplicates into the existing records",
        help_text=(
            "A row that matches a record already in the register (same parties, signature "
            "date and kind) adds its identifiers and only the fields that record lacks, "
            "instead of becoming a second record."
        ),
    )

    def __init__(self, *args, kinds=("treaty",), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, KIND_LABELS[kind]) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
            self.fields["kind"].widget = forms.HiddenInput()
        if "treaty" not in kinds:  # duplicates are judged on treaties' parties and dates
            self.fields.pop("merge_duplicates")
        self.kinds = kinds

    def clean_kind(self):
        return self.cleaned_data["kind"] or self.kinds[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB."
            )
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".csv", ".json", ".txt"):
            raise forms.ValidationError("Upload a .csv or .json file.")
        return upload


def _store(upload, suffix: str, name: str) -> Path:
    folder = ensure_upload_dir()
    sweep_stale_uploads(folder)
    stored = folder / name
    with open(stored, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return stored


class ImportMixin:
    """Adds an “Import” page to a record model's admin, with its background jobs."""

    import_kind = ""
    # Other kinds of file this page imports too (a treaty's memberships).
    also_imports: tuple[str, ...] = ()
    change_list_template = "admin/diplomacy/change_list_import.html"

    @property
    def import_kinds(self) -> tuple[str, ...]:
        return (self.import_kind, *self.also_imports)

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_import"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=name),
            path(
                "import/<uuid:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name=f"{name}_job",
            ),
            path(
                "import/<uuid:job_id>/rejected/",
                self.admin_site.admin_view(self.import_rejects_view),
                name=f"{name}_rejects",
            ),
            *super().get_urls(),
        ]

    def _context(self, request) -> dict:
        opts = self.model._meta
        return {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"Import {opts.verbose_name_plural}",
            "can_publish": can_publish(request, self.model),
            "column_sets": [
                {"kind": kind, "label": KIND_LABELS[kind], "columns": column_help(kind)}
                for kind in self.import_kinds
            ],
            "background_size": filesizeformat(settings.IMPORT_BACKGROUND_BYTES),
        }

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = self._context(request)
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request, context)
        form = ImportForm(request.POST or None, request.FILES or None, kinds=self.import_kinds)
        if not context["can_publish"]:
            form.fields.pop("publish")
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["file"].size > settings.IMPORT_BACKGROUND_BYTES:
                return self._start_job(request, form, context)
            return self._preview(request, form, context)
        context["jobs"] = jobs.owned_jobs(request.user, self.import_kinds)
        return TemplateResponse(request, "admin/diplomacy/import.html", context)

    @staticmethod
    def _choices(form, context) -> dict:
        data = form.cleaned_data
        return {
            "kind": data["kind"],
            "publish": bool(data.get("publish")) and context["can_publish"],
            "skip_invalid": bool(data.get("skip_invalid")),
            "merge_duplicates": bool(data.get("merge_duplicates")),
        }

    # -- a small file: preview and import in the request --------------------------------

    def _preview(self, request, form, context):
        upload = form.cleaned_data["file"]
        token = secrets.token_urlsafe(16)
        suffix = Path(upload.name).suffix.lower()
        stored = _store(upload, suffix, f"{token}{suffix}")
        folder = stored.parent
        choices = self._choices(form, context)
        report = import_file(
            stored,
            choices["kind"],
            user=request.user,
            publish=choices["publish"],
            dry_run=True,
            skip_invalid=choices["skip_invalid"],
            merge_duplicates=choices["merge_duplicates"],
        )
        result = jobs.report_result(report)
        confirmable = jobs.can_confirm(result, choices["skip_invalid"])
        if confirmable:
            # Previews whose upload is gone (imported, expired) are forgotten.
            pending = {
                earlier: entry
                for earlier, entry in request.session.get(SESSION_KEY, {}).items()
                if (folder / f"{earlier}{entry.get('suffix', '')}").exists()
            }
            pending[token] = {"suffix": suffix, "name": upload.name, **choices}
            request.session[SESSION_KEY] = pending
        else:
            stored.unlink(missing_ok=True)
        context.update(
            report=report,
            result=result,
            token=token if confirmable else None,
            filename=upload.name,
            skip_invalid=choices["skip_invalid"],
            expiry_minutes=max(1, preview_seconds() // 60),
        )
        return TemplateResponse(request, "admin/diplomacy/import.html", context)

    def _confirm(self, request, context):
        token = request.POST["token"]
        pending = request.session.get(SESSION_KEY, {})
        entry = pending.pop(token, None)
        request.session[SESSION_KEY] = pending
        if entry is None or "suffix" not in entry:  # (or kept by an older release)
            messages.error(request, "This import has expired or was already done; upload again.")
            return redirect(request.path)
        folder = upload_dir()
        claimed = folder / f"{token}{CLAIMED}{entry['suffix']}"
        try:
            # The one step only one confirmation can take: whoever renames the
            # upload imports it; a concurrent confirmation of the same preview
            # (which still found the token in its copy of the session) cannot.
            os.rename(folder / f"{token}{entry['suffix']}", claimed)
        except FileNotFoundError:
            messages.error(
                request,
                "This import was already confirmed (or its preview has expired): "
                "nothing more was imported.",
            )
            return redirect(request.path)
        kind = entry.get("kind", self.import_kind)
        skip_invalid = entry.get("skip_invalid", False)
        reject_name = jobs.reject_name_for(claimed.name) if skip_invalid else ""
        try:
            if _expired(claimed):
                messages.error(request, "This preview has expired; upload the file again.")
                return redirect(request.path)
            os.utime(claimed)  # not swept while it is being imported
            report = import_file(
                claimed,
                kind,
                user=request.user,
                publish=entry["publish"] and context["can_publish"],
                skip_invalid=skip_invalid,
                merge_duplicates=entry.get("merge_duplicates", False),
                reject_path=folder / reject_name if reject_name else None,
            )
        finally:
            claimed.unlink(missing_ok=True)
        if skip_invalid and report.written:
            # Its reject file is handed out by a result page that checks its owner.
            written = getattr(report, "reject_path", None)
            job = ImportJob.objects.create(
                user=request.user,
                kind=kind,
                filename=entry["name"],
                stored_name=claimed.name,
                reject_name=Path(written).name if written and Path(written).exists() else "",
                publish=entry["publish"],
                skip_invalid=True,
                merge_duplicates=entry.get("merge_duplicates", False),
                step=ImportJob.Step.IMPORT,
                state=ImportJob.State.DONE,
                rows_done=report.rows,
                rows_total=report.rows,
                result=jobs.report_result(report),
            )
            return redirect(self._job_url(job))
        if not report.ok:
            context.update(
                report=report,
                result=jobs.report_result(report),
                token=None,
                filename=entry["name"],
            )
            return TemplateResponse(request, "admin/diplomacy/import.html", context)
        messages.success(request, f"Imported {entry['name']}: {report.summary()}")
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    # -- a large file: checked and imported by the worker ---------------------------------

    def _job_url(self, job, view="job") -> str:
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_import_{view}", kwargs={"job_id": job.pk}
        )

    def _start_job(self, request, form, context):
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        name = jobs.random_name(suffix)
        _store(upload, suffix, name)
        choices = self._choices(form, context)
        job = ImportJob.objects.create(
            user=request.user, filename=upload.name, stored_name=name, **choices
        )
        jobs.start(job)
        return redirect(self._job_url(job))

    def _owned_job(self, request, job_id) -> ImportJob:
        """The job, for its editor or a superuser; to anyone else it does not exist."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        job = ImportJob.objects.filter(pk=job_id, kind__in=self.import_kinds).first()
        if job is None or not job.visible_to(request.user):
            raise Http404("No such import.")
        return job

    def import_job_view(self, request, job_id):
        job = self._owned_job(request, job_id)
        if request.method == "POST":
            if job.user_id != request.user.pk:
                raise PermissionDenied  # a superuser may look, not import as someone else
            if not (folder_has(job.stored_name) and jobs.can_confirm(job.result, job.skip_invalid)):
                messages.error(request, "This check has expired; upload the file again.")
            elif not jobs.confirm(job):
                messages.error(request, "This import was already confirmed: nothing more is done.")
            return redirect(self._job_url(job))
        jobs.fail_if_stalled(job)
        done, total = jobs.read_progress(job)
        context = {
            **self._context(request),
            "title": f"Import of {job.filename}",
            "job": job,
            "result": job.result,
            "rows_done": done,
            "rows_total": total,
            "confirmable": job.step == ImportJob.Step.CHECK
            and job.state == ImportJob.State.DONE
            and jobs.can_confirm(job.result, job.skip_invalid)
            and folder_has(job.stored_name)
            and job.user_id == request.user.pk,
            "reject_kept": bool(job.reject_name) and folder_has(job.reject_name),
            "reject_url": self._job_url(job, "rejects"),
            "expiry_minutes": max(1, preview_seconds() // 60),
        }
        response = TemplateResponse(request, "admin/diplomacy/import_job.html", context)
        response["Cache-Control"] = "private, no-store"
        return response

    def import_rejects_view(self, request, job_id):
        job = self._owned_job(request, job_id)
        if not job.reject_name or not folder_has(job.reject_name):
            raise Http404("The reject file has expired.")
        suffix = Path(job.reject_name).suffix
        stem = Path(job.filename).stem or "import"
        response = FileResponse(
            open(upload_dir() / job.reject_name, "rb"),  # noqa: SIM115 (closed by the response)
            as_attachment=True,
            filename=f"{stem}-rejected{suffix}",
            content_type="application/json" if suffix == ".json" else "text/csv",
        )
        response["Cache-Control"] = "private, no-store"
        return response


def folder_has(name: str) -> bool:
    """Whether a job's file is still in the upload folder (and not yet swept)."""
    path = upload_dir() / name
    try:
        return bool(name) and not _expired(path)
    except FileNotFoundError:
        return False
