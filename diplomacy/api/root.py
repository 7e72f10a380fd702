"""The API's front door: what a person opening /api/v1/ needs to start.

Browsers get a page of the site (the docs, the schema, every endpoint and a
curl example); scripts get JSON: DRF's own map of endpoint names to URLs, as
before, with the docs and the schema added beside them.
"""

from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.reverse import reverse
from rest_framework.routers import APIRootView

# What each endpoint holds, for the page (keys: the router's prefixes).
ENDPOINT_DESCRIPTIONS = {
    "states": "States, with their codes and dates of independence.",
    "people": "Heads of state, ministers and other signatories.",
    "organizations": "Organizations that take part in treaties and projects.",
    "sectors": "Sectors of cooperation.",
    "sources": "The sources every record cites, with their dates at their precision.",
    "treaties": "Treaties and agreements, with parties, dates and citations.",
    "visits": "Official visits between states.",
    "projects": "Cooperation projects.",
}


class FrontDoorHTMLRenderer(TemplateHTMLRenderer):
    """Only HTML asked for by name: a client that accepts anything gets JSON."""

    template_name = "api/root.html"


class ApiRootView(APIRootView):
    renderer_classes = [JSONRenderer, FrontDoorHTMLRenderer]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        namespace = request.resolver_match.namespace
        response.data.update(
            docs=reverse(f"{namespace}:docs", request=request),
            schema=reverse(f"{namespace}:schema", request=request),
        )
        if isinstance(request.accepted_renderer, FrontDoorHTMLRenderer):
            endpoints = [
                (name, response.data[name], description)
                for name, description in ENDPOINT_DESCRIPTIONS.items()
                if name in response.data
            ]
            relations = reverse(
                f"{namespace}:relations", kwargs={"a": "az", "b": "uz"}, request=request
            )
            response.data = {
                "endpoints": endpoints,
                "docs": response.data["docs"],
                "schema": response.data["schema"],
                "relations": relations,
                "example": response.data.get("treaties", "") + "?party=UZ&year=2024",
            }
        return response
