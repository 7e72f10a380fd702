"""Rules on text that every write path (admin, API, import) shares."""

import re

from django.core.exceptions import ValidationError

# Unicode control characters (category Cc: C0, DEL, C1) but tab, line feed
# and a carriage return that starts a CR LF line break: browsers send a
# textarea's line breaks as CR LF, and XML (``make backup``) keeps all three.
# Every other one is invisible on a page, and most of them make the backup
# fail ("unserializable characters") or, NUL, the PostgreSQL write.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def reject_control_characters(value) -> None:
    """Raise ``ValidationError`` naming the first control character in
    ``value`` other than tab, line feed and CR LF."""
    if not isinstance(value, str):
        return
    found = CONTROL_CHARACTER.search(value)
    if found:
        raise ValidationError(
            "Contains a control character (U+%(code)04X); remove it.",
            code="control_character",
            params={"code": ord(found.group())},
        )


# Addresses under the lists that are not records: /treaties/compare/,
# /treaties/per-year/, /treaties/feed/. A record with one of these slugs
# would have a page no one could reach.
RESERVED_SLUGS = frozenset({"compare", "per-year", "feed"})


def reject_reserved_slug(value) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            "“%(slug)s” is the address of a page of the register, not free for a record: "
            "choose another slug.",
            code="reserved_slug",
            params={"slug": value},
        )
