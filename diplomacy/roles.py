"""The editorial groups of SPEC 6 and the permissions each holds.

Editors add and change records, drafts included; publishers also publish,
unpublish and delete. Used by a data migration and by ``manage.py sync_roles``
(run it after adding a model).
"""

EDITORS = "editors"
PUBLISHERS = "publishers"

EDITOR_ACTIONS = ("add", "change", "view")
PUBLISHER_ACTIONS = (*EDITOR_ACTIONS, "delete")
RECORD_PARTS = ("treatyparty", "treatyrelation", "treatyidentifier", "commitment")
# Models no group holds a permission on.
NOT_EDITED = ("dataversion",)


def sync_roles(apps) -> None:
    """Create both groups and give them exactly their permissions on this app's models."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    app_perms = permission_model.objects.filter(content_type__app_label="diplomacy")
    # Historical models are read through the admin history views of their
    # record; the data version changes with the data alone, never by hand.
    app_perms = (
        app_perms.exclude(content_type__model__startswith="historical")
        .exclude(content_type__model__in=NOT_EDITED)
        .select_related("content_type")
    )

    def codenames(actions):
        return [p for p in app_perms if p.codename.split("_", 1)[0] in actions]

    # Parties, citations and treaty links are parts of the record an editor is
    # editing, so removing a wrong one is an edit, not a deletion of a record.
    record_parts = [
        p
        for p in app_perms
        if p.codename.startswith("delete_")
        and (p.content_type.model.endswith("citation") or p.content_type.model in RECORD_PARTS)
    ]

    editors, _ = group_model.objects.get_or_create(name=EDITORS)
    editors.permissions.set(codenames(EDITOR_ACTIONS) + record_parts)
    publishers, _ = group_model.objects.get_or_create(name=PUBLISHERS)
    publishers.permissions.set(codenames((*PUBLISHER_ACTIONS, "publish")))
