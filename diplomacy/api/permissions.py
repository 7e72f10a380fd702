from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissionsOrAnonReadOnly


class RegisterPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads; writing needs the model permission (editors, publishers).

    ``view`` is required to read drafts: see ``RecordViewSet.get_queryset``.
    """

    perms_map = {
        **DjangoModelPermissionsOrAnonReadOnly.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        # Reading needs no permission: no queryset is built to find the model.
        if request.method in SAFE_METHODS:
            return True
        return super().has_permission(request, view)


def check_publish_permission(user, model, instance, validated_data) -> None:
    """Only holders of ``publish_<model>`` may change whether a record is published."""
    if "is_published" not in validated_data:
        return
    current = instance.is_published if instance is not None else False
    if validated_data["is_published"] == current:
        return
    opts = model._meta
    if not user.has_perm(f"{opts.app_label}.publish_{opts.model_name}"):
        raise PermissionDenied("Only publishers may publish or unpublish a record.")
