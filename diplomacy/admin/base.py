"""What every curated model's admin shares: publication rights, history, citations,
and the refusal of a save made from a stale form."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models.functions import ExtractYear
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from diplomacy.admin.forms import PartialDatesFormMixin
from diplomacy.models import Citation
from diplomacy.versions import changed_fields, current_version, last_change, loaded_version


def can_publish_model(user, model) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


def can_publish(request, model) -> bool:
    return can_publish_model(request.user, model)


class VersionedForm(PartialDatesFormMixin, forms.ModelForm):
    """A change form that carries the version of the record it was loaded from
    and refuses to save over a newer one: two editors with the same record open,
    the second save would otherwise silently undo the first.

    The check reads the row with ``select_for_update`` inside the admin's save
    transaction, so of two simultaneous saves from one version only one passes.
    When refused, the form comes back with the editor's input and now carries
    the current version: saving it again, after reviewing, is a deliberate
    choice to overwrite, and goes through unless the record changed again.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version"].initial = loaded_version(self.instance)

    def clean(self):
        cleaned = super().clean()
        record = self.instance
        if record.pk is None:
            return cleaned
        model = type(record)
        current = current_version(model, record.pk, lock=True)
        if current is None:  # a revert bringing a deleted record back
            return cleaned
        loaded = cleaned.get("version")
        if not loaded:
            raise ValidationError(
                "This form does not say which version of the record it was opened from, "
                "so saving it could undo someone else's change: reload the page and make "
                "your changes again.",
                code="version_missing",
            )
        if loaded != current:
            message = (
                f"This {model._meta.verbose_name} was changed {last_change(model, record.pk)} "
                "after you opened it. Your changes are kept below; review them and save again."
            )
            if fields := changed_fields(model, record.pk, loaded):
                message += f" Changed since you opened it: {', '.join(fields)}."
            self.carry_version(current)
            raise ValidationError(message, code="version_conflict")
        return cleaned

    def carry_version(self, version: str) -> None:
        """The form shown again says it was reviewed against ``version``."""
        data = self.data.copy()
        data[self.add_prefix("version")] = version
        self.data = data


class VersionedAdmin(SimpleHistoryAdmin):
    """A model's admin whose change form refuses a save over a newer version
    (``VersionedForm``), with the history of every change."""

    form = VersionedForm
    object_history_form_template = "admin/diplomacy/object_history_form.html"

    def get_fieldsets(self, request, obj=None):
        # The hidden version goes after the fieldsets (admin/diplomacy/change_form.html,
        # object_history_form.html): in one it would get a label.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "version"]})
            for name, options in super().get_fieldsets(request, obj)
        ]


class CuratedAdmin(VersionedAdmin):
    """Editors edit drafts; only holders of ``publish_<model>`` change publication."""

    # Links typed without a scheme are https (Django 6's default, set here for 5.2).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_per_page = 50
    show_full_result_count = False
    save_on_top = True
    actions = ["publish", "unpublish"]

    def get_prepopulated_fields(self, request, obj=None):
        # A published slug is a permalink: it is prefilled only for new records.
        return self.prepopulated_fields if obj is None else {}

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        readonly += ["created_at", "updated_at"]
        if not can_publish(request, self.model):
            readonly.append("is_published")
        return readonly

    def save_model(self, request, obj, form, change):
        publishing = "_publish" in request.POST
        may_publish = can_publish(request, self.model)
        if (publishing or "is_published" in form.changed_data) and not may_publish:
            raise PermissionDenied("Only publishers may publish or unpublish.")
        if publishing:
            obj.is_published = True
        elif change and not may_publish:
            # Whatever the form was built from (a revert starts from a past
            # version, publication included), an editor's save keeps the
            # publication the record has.
            obj.is_published = bool(
                self.model.objects.filter(pk=obj.pk).values_list("is_published", flat=True).first()
            )
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        if "_publish" in request.POST:
            return self.published(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            return self.published(request, obj)
        return super().response_change(request, obj)

    def published(self, request, obj):
        """ "Save and publish" says what happened, and where the public sees it."""
        message = format_html(
            'The {} “{}” was published: <a href="{}">see it on the public site</a>.',
            obj._meta.verbose_name,
            obj,
            obj.get_absolute_url(),
        )
        self.message_user(request, message, messages.SUCCESS)
        return self.response_post_save_change(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history shows a past version to whoever may view the
        # record, and saves it on POST: reverting is changing.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        # Saving a version of a deleted record recreates it: undoing a delete
        # is for those who may delete (publishers), not for every editor.
        if (
            request.method == "POST"
            and not self.model._default_manager.filter(pk=unquote(object_id)).exists()
            and not self.has_delete_permission(request)
        ):
            raise PermissionDenied
        # One transaction, as for the change form: the version check's row lock
        # holds until the revert is saved.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = can_publish(request, self.model)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_publish(request, self.model):
            actions.pop("publish", None)
            actions.pop("unpublish", None)
        return actions

    def _set_published(self, request, queryset, value: bool) -> None:
        if not can_publish(request, self.model):
            raise PermissionDenied
        count = 0
        for record in queryset.filter(is_published=not value):
            # save() per record so each change lands in the history.
            record.is_published = value
            record.save(update_fields=["is_published", "updated_at"])
            count += 1
        verb = "published" if value else "unpublished"
        self.message_user(request, f"{count} record(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Publish the selected records")
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description="Unpublish the selected records (back to draft)")
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)


def citation_inline(citation_model: type[Citation]) -> type[admin.TabularInline]:
    """An inline for a record's citations: source by autocomplete, the quoted passage."""
    return type(
        f"{citation_model.__name__}Inline",
        (admin.StackedInline,),
        {
            "model": citation_model,
            "min_num": 0,
            # A new record starts with one citation row: every record needs a source.
            "get_extra": lambda self, request, obj=None, **kwargs: 1 if obj is None else 0,
            "autocomplete_fields": ["source"],
            "fields": [("source", "locator"), "quote", "note"],
            "verbose_name": "citation",
            "verbose_name_plural": "sources and quoted passages",
        },
    )


def year_filter(field: str, title: str) -> type[admin.SimpleListFilter]:
    """A list filter by the year of a (partial) date field; years come from the data."""

    class YearListFilter(admin.SimpleListFilter):
        parameter_name = f"{field}_year"

        def lookups(self, request, model_admin):
            years = (
                model_admin.model.objects.exclude(**{f"{field}__isnull": True})
                .annotate(y=ExtractYear(field))
                .values_list("y", flat=True)
                .distinct()
                .order_by("-y")
            )
            return [(str(year), str(year)) for year in years]

        def queryset(self, request, queryset):
            value = self.value()
            if value and value.isdigit():
                return queryset.filter(**{f"{field}__year": int(value)})
            return queryset

    YearListFilter.title = title
    YearListFilter.__name__ = f"{field.title().replace('_', '')}YearListFilter"
    return YearListFilter
