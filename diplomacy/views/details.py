"""Record pages: every field at its precision, related records, sources, metadata."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from diplomacy import metadata
from diplomacy.caching import cached
from diplomacy.caching.records import record_page_data
from diplomacy.choices import RELATION_LEVEL_BY_KIND
from diplomacy.comparison import COMPARE_MAX
from diplomacy.models import (
    Organization,
    OrganizationCitation,
    Person,
    PersonCitation,
    Project,
    Source,
    Treaty,
    Visit,
)
from diplomacy.models.sources import RENAMED_SOURCE_SLUGS
from diplomacy.visibility import mark_private_if_draft


def _published_citations(model):
    return Prefetch(
        "citations",
        queryset=model.objects.filter(source__is_published=True).select_related("source"),
        to_attr="citation_list",
    )


def _record_page(request, model, slug, jsonld, compare=None):
    """A treaty, visit or project page: drafts for staff only, never cached when draft."""
    record, versions = record_page_data(request.user, model, slug)
    if record is None:
        # A citation made before an editor renamed the slug: the record now.
        if renamed := model.objects.published().renamed_from(slug):
            return redirect(renamed, permanent=True)
        raise Http404(f"No {model._meta.verbose_name} at this address.")
    extra = {"compare_with": compare(record)} if compare else {}
    name = model._meta.model_name
    response = render(
        request,
        f"diplomacy/{name}_detail.html",
        {
            "record": record,
            name: record,
            "jsonld": jsonld(request, record),
            "citation": metadata.citation_text(
                request, record, getattr(record, "title", None) or record.name
            ),
            "versions": versions,
            **extra,
        },
    )
    return mark_private_if_draft(response, record)


def _compare_with(treaty) -> list:
    """The other relation treaties of a bilateral treaty's parties, to compare
    commitments with (SPEC 3.11); read only when it has commitments."""
    rows = treaty.party_rows
    if not treaty.commitment_list or len(rows) != 2:
        return []

    def read():
        others = Treaty.objects.published().filter(kind__in=list(RELATION_LEVEL_BY_KIND))
        for row in rows:
            others = others.filter(treatyparty__state_id=row.state_id)
        return list(others.exclude(pk=treaty.pk).values_list("slug", flat=True)[: COMPARE_MAX - 1])

    # Published treaties only, the same for every reader: once per data version.
    return cached(f"compare-with:{treaty.pk}", read)


@require_safe
def treaty_detail(request, slug):
    return _record_page(request, Treaty, slug, metadata.treaty_jsonld, compare=_compare_with)


@require_safe
def visit_detail(request, slug):
    return _record_page(request, Visit, slug, metadata.visit_jsonld)


@require_safe
def project_detail(request, slug):
    return _record_page(request, Project, slug, metadata.project_jsonld)


@require_safe
def person_detail(request, slug):
    person = get_object_or_404(
        Person.objects.published()
        .select_related("state")
        .prefetch_related(
            _published_citations(PersonCitation),
            Prefetch(
                "treaties_signed",
                queryset=Treaty.objects.published().order_by("-signed_on", "pk"),
                to_attr="treaty_list",
            ),
            Prefetch(
                "visits",
                queryset=Visit.objects.published().select_related("host", "guest"),
                to_attr="visit_list",
            ),
        ),
        slug=slug,
    )
    return render(
        request,
        "diplomacy/person_detail.html",
        {
            "record": person,
            "person": person,
            "citation": metadata.citation_text(request, person, person.name),
        },
    )


@require_safe
def organization_detail(request, slug):
    organization = get_object_or_404(
        Organization.objects.published()
        .select_related("state")
        .prefetch_related(
            _published_citations(OrganizationCitation),
            Prefetch("treaties", queryset=Treaty.objects.published(), to_attr="treaty_list"),
            Prefetch("projects", queryset=Project.objects.published(), to_attr="project_list"),
        ),
        slug=slug,
    )
    return render(
        request,
        "diplomacy/organization_detail.html",
        {
            "record": organization,
            "organization": organization,
            "citation": metadata.citation_text(request, organization, organization.name),
        },
    )


@require_safe
def source_detail(request, slug):
    if slug in RENAMED_SOURCE_SLUGS:
        return redirect("source-detail", slug=RENAMED_SOURCE_SLUGS[slug], permanent=True)
    source = get_object_or_404(Source.objects.published(), slug=slug)
    return render(
        request,
        "diplomacy/source_detail.html",
        {
            "record": source,
            "source": source,
            "citation": metadata.citation_text(request, source, source.title),
        },
    )
