from django import template

from diplomacy.curation import dashboard

register = template.Library()


@register.inclusion_tag("admin/diplomacy/_dashboard.html")
def curation_dashboard():
    return dashboard()


@register.filter
def admin_change_url(record) -> str:
    """The admin change page of a record, or of the record a historical row belongs to."""
    from django.urls import reverse

    model = getattr(record, "instance_type", None) or record._meta.model
    opts = model._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=[record.pk if model is record._meta.model else record.id],
    )
