"""The admin's bulk import: upload, dry-run preview with every row's errors, confirm."""

import secrets
import tempfile
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

UPLOAD_DIR = Path(tempfile.gettempdir()) / "diplomacy-imports"
SESSION_KEY = "diplomacy_imports"


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV (comma or semicolon separated, UTF-8) or JSON; columns as in the README."
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
        UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(16)
        stored = UPLOAD_DIR / f"{token}{Path(upload.name).suffix.lower()}"
        with open(stored, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        publish = bool(form.cleaned_data.get("publish")) and context["can_publish"]
        report = import_file(
            stored, self.import_kind, user=request.user, publish=publish, dry_run=True
        )
        if report.ok:
            pending = request.session.get(SESSION_KEY, {})
            pending[token] = {"path": str(stored), "publish": publish, "name": upload.name}
            request.session[SESSION_KEY] = pending
        else:
            stored.unlink(missing_ok=True)
        context.update(report=report, token=token if report.ok else None, filename=upload.name)
        return TemplateResponse(request, "admin/diplomacy/import.html", context)

    def _confirm(self, request, context):
        pending = request.session.get(SESSION_KEY, {})
        entry = pending.pop(request.POST["token"], None)
        request.session[SESSION_KEY] = pending
        if entry is None:
            messages.error(request, "This import has expired or was already done; upload again.")
            return redirect(request.path)
        stored = Path(entry["path"])
        try:
            report = import_file(
                stored,
                self.import_kind,
                user=request.user,
                publish=entry["publish"] and context["can_publish"],
            )
        finally:
            stored.unlink(missing_ok=True)
        if not report.ok:
            context.update(report=report, token=None, filename=entry["name"])
            return TemplateResponse(request, "admin/diplomacy/import.html", context)
        messages.success(request, f"Imported {entry['name']}: {report.summary()}")
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
