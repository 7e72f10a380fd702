"""Machine-readable metadata and the suggested citation of a record's page."""

from django.utils import timezone

SITE_NAME = "Diplomacy Register"


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def citation_text(request, record, title: str) -> str:
    """A suggested citation: who, what, which version, where, when accessed."""
    url = absolute(request, record.get_absolute_url())
    updated = timezone.localdate(record.updated_at).isoformat()
    accessed = timezone.localdate().isoformat()
    return f"{SITE_NAME}. “{title}.” Last updated {updated}. {url} (accessed {accessed})."


def treaty_jsonld(request, treaty) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Legislation",
        "name": treaty.title,
        "alternateName": treaty.short_title or None,
        "legislationType": treaty.get_kind_display(),
        "legislationLegalForce": treaty.get_status_display(),
        "url": absolute(request, treaty.get_absolute_url()),
        "dateModified": treaty.updated_at.isoformat(),
        "abstract": treaty.summary or None,
        "legislationDate": treaty.signed.iso if treaty.signed else None,
        "spatialCoverage": [
            {"@type": "Country", "name": row.state.name, "identifier": row.state.display_code}
            for row in treaty.party_rows
        ],
        "citation": [c.source.url or c.source.title for c in getattr(treaty, "citation_list", [])],
    }
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def visit_jsonld(request, visit) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": visit.title,
        "description": visit.summary or None,
        "startDate": visit.start.iso if visit.start else None,
        "endDate": visit.end.iso if visit.end else None,
        "location": {
            "@type": "Place",
            "name": visit.city or visit.host.name,
            "address": {"@type": "PostalAddress", "addressCountry": visit.host.display_code},
        },
        "url": absolute(request, visit.get_absolute_url()),
    }
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def project_jsonld(request, project) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Project",
        "name": project.name,
        "description": project.description or None,
        "url": absolute(request, project.get_absolute_url()),
        "dateModified": project.updated_at.isoformat(),
    }
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def state_jsonld(request, state) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "Country",
        "name": state.name,
        "alternateName": state.official_name or state.name,
        "identifier": state.display_code,
        "url": absolute(request, state.get_absolute_url()),
    }
