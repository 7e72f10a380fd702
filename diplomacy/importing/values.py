"""Parsing of single cells: partial dates, state codes, choices, lists, money."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from diplomacy.choices import DatePrecision

LIST_SEPARATORS = re.compile(r"\s*[;|]\s*")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the editor as it is."""


def partial_date(text: str) -> tuple[datetime.date | None, str]:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'. Zeros mean unknown: '0000' is no date,
    month 0 keeps only the year, day 0 keeps the month."""
    text = text.strip()
    if not text:
        return None, DatePrecision.DAY
    match = DATE_PATTERN.match(text)
    if not match:
        raise CellError(f"“{text}” is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD.")
    year, month, day = (int(part) if part else None for part in match.groups())
    if year == 0:
        return None, DatePrecision.DAY
    try:
        if not month:
            return datetime.date(year, 1, 1), DatePrecision.YEAR
        if not day:
            return datetime.date(year, month, 1), DatePrecision.MONTH
        return datetime.date(year, month, day), DatePrecision.DAY
    except ValueError as exc:
        raise CellError(f"“{text}” is not a real date ({exc}).") from exc


def split_list(text: str) -> list[str]:
    return [item for item in LIST_SEPARATORS.split(text.strip()) if item] if text.strip() else []


def choice(text: str, choices, field: str, default=None) -> str:
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    if not value:
        if default is None:
            raise CellError(f"A {field} is required.")
        return default
    values = {str(v) for v in choices.values}
    labels = {str(label).lower().replace(" ", "_"): str(v) for v, label in choices.choices}
    if value in values:
        return value
    if value in labels:
        return labels[value]
    raise CellError(f"“{text}” is not a {field}; use one of: {', '.join(sorted(values))}.")


def money(text: str) -> Decimal | None:
    text = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"“{text}” is not an amount.") from exc
    if value < 0 or not value.is_finite():
        raise CellError("An amount cannot be negative.")
    return value.quantize(Decimal("0.01"))
