"""Who sees drafts: the public never; staff with the model's view permission do."""


def can_view_drafts(user, model) -> bool:
    opts = model._meta
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


def visible_records(user, model):
    """Published records, or every record for staff who may preview drafts."""
    manager = model.objects
    return manager.all() if can_view_drafts(user, model) else manager.published()


def visible_for_detail(user, model):
    """``visible_records(...).for_detail()``: a record page's queryset."""
    return visible_records(user, model).for_detail()


def detail_record(user, model, slug: str):
    """The record a record page shows, or None if there is none this user may see."""
    try:
        return visible_for_detail(user, model).get(slug=slug)
    except model.DoesNotExist:
        return None


def mark_private_if_draft(response, record):
    """A draft preview must never be cached or indexed.

    No Last-Modified: a record page shows more than its record (its parties'
    names, memberships, commitments, related records), which change without
    the record's own time, so that time cannot tell a revalidating client
    (If-Modified-Since) that the page is unchanged. The page's ETag, a hash
    of its content (ConditionalGetMiddleware), always can."""
    if not record.is_published:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response
