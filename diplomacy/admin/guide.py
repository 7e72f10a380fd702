"""The editors' guide: how to add a treaty, cite a source, record a visit,
publish and revert, with screenshots the browser tests take (static/guide/,
tests/browser/test_editor_journey.py)."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.response import TemplateResponse

SCREENSHOTS = ("desk", "treaty-add", "treaty-citation", "publish", "history", "visit-add")


def screenshot_url(name: str) -> str | None:
    """The screenshot's address, or None while the browser tests have not taken it
    (the manifest of hashed static files refuses a name it does not hold)."""
    try:
        return staticfiles_storage.url(f"guide/{name}.png")
    except ValueError:
        return None


@staff_member_required
def editors_guide(request):
    context = {
        **admin.site.each_context(request),
        "title": "Editors' guide",
        "shots": {name.replace("-", "_"): screenshot_url(name) for name in SCREENSHOTS},
    }
    return TemplateResponse(request, "admin/diplomacy/guide.html", context)
