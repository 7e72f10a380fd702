"""The admin's bulk import: upload, dry-run preview with every row's errors, confirm.

A preview is confirmed at most once: the confirmation claims the stored upload
by renaming it, an atomic step on one file system, so a second confirmation
(a double click, a second tab, another worker process) finds nothing to claim
and writes nothing. The upload is deleted once imported; uploads left behind
(a preview never confirmed, a worker killed mid-import) are swept when they
are older than a preview lives (IMPORT_PREVIEW_SECONDS).
"""

import os
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from diplomacy.admin.base import can_publish
from diplomacy.importing import import_file
from diplomacy.importing.specs import SPECS
from diplomacy.importing.values import CellError
from diplomacy.partial_dates import WRITTEN_HELP

SESSION_KEY = "diplomacy_imports"
CLAIMED = ".claimed"


def upload_dir() -> Path:
    """Where previewed uploads wait; every app server that may take the
    confirmation must see the same folder (IMPORT_UPLOAD_DIR)."""
    folder = settings.IMPORT_UPLOAD_DIR
    return Path(folder) if folder else Path(tempfile.gettempdir()) / "diplomacy-imports"


def preview_seconds() -> int:
    return settings.IMPORT_PREVIEW_SECONDS


def _expired(path: Path) -> bool:
    return time.time() - path.stat().st_mtime > preview_seconds()


def sweep_stale_uploads(folder: Path) -> None:
    """Remove uploads whose preview has expired, confirmed or not."""
    for upload in folder.iterdir():
        try:
            if _expired(upload):
                upload.unlink()
        except FileNotFoundError:
            pass  # claimed or swept by another request meanwhile


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


def column_help(kind: str) -> list[dict]:
    """The import's columns for ``kind``, generated from its spec, as the form lists them."""
    spec = SPECS[kind]
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
    file = forms.FileField(
        help_text=(
            "CSV (comma or semicolon separated, UTF-8, a header row naming the columns) "
            "or JSON (a list of objects with the same keys); the columns are listed below."
        )
    )
    publish = forms.BooleanField(
        required=False, help_text="Publish the imported records at once (publishers only)."
    )

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


class ImportMixin:
    """Adds an “Import” page to a record model's admin."""

    import_kind = ""
    change_list_template = "admin/diplomacy/change_list_import.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"Import {opts.verbose_name_plural}",
            "can_publish": can_publish(request, self.model),
            "columns": column_help(self.import_kind),
        }
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request, context)
        form = ImportForm(request.POST or None, request.FILES or None)
        if not context["can_publish"]:
            form.fields.pop("publish")
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            return self._preview(request, form, context)
        return TemplateResponse(request, "admin/diplomacy/import.html", context)

    def _preview(self, request, form, context):
        upload = form.cleaned_data["file"]
        folder = upload_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        sweep_stale_uploads(folder)
        token = secrets.token_urlsafe(16)
        suffix = Path(upload.name).suffix.lower()
        stored = folder / f"{token}{suffix}"
        with open(stored, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        publish = bool(form.cleaned_data.get("publish")) and context["can_publish"]
        report = import_file(
            stored, self.import_kind, user=request.user, publish=publish, dry_run=True
        )
        if report.ok:
            # Previews whose upload is gone (imported, expired) are forgotten.
            pending = {
                earlier: entry
                for earlier, entry in request.session.get(SESSION_KEY, {}).items()
                if (folder / f"{earlier}{entry.get('suffix', '')}").exists()
            }
            pending[token] = {"suffix": suffix, "publish": publish, "name": upload.name}
            request.session[SESSION_KEY] = pending
        else:
            stored.unlink(missing_ok=True)
        context.update(
            report=report,
            token=token if report.ok else None,
            filename=upload.name,
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
        try:
            if _expired(claimed):
                messages.error(request, "This preview has expired; upload the file again.")
                return redirect(request.path)
            os.utime(claimed)  # not swept while it is being imported
            report = import_file(
                claimed,
                self.import_kind,
                user=request.user,
                publish=entry["publish"] and context["can_publish"],
            )
        finally:
            claimed.unlink(missing_ok=True)
        if not report.ok:
            context.update(report=report, token=None, filename=entry["name"])
            return TemplateResponse(request, "admin/diplomacy/import.html", context)
        messages.success(request, f"Imported {entry['name']}: {report.summary()}")
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
