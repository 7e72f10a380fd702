import datetime
import re

import pytest

from diplomacy.choices import DatePrecision
from diplomacy.filtersets import TreatyFilterSet
from diplomacy.models import Treaty
from diplomacy.partial_dates import PartialDate, PartialDateError, parse_partial_date
from tests.factories import TreatyFactory


@pytest.mark.parametrize(
    ("precision", "text", "iso"),
    [
        (DatePrecision.DAY, "23 August 2024", "2024-08-23"),
        (DatePrecision.MONTH, "August 2024", "2024-08"),
        (DatePrecision.YEAR, "2024", "2024"),
    ],
)
def test_a_date_is_shown_at_its_precision(precision, text, iso):
    value = PartialDate(datetime.date(2024, 8, 23), precision)
    assert str(value) == text
    assert value.iso == iso


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2005", PartialDate(datetime.date(2005, 1, 1), DatePrecision.YEAR)),
        ("2024-02", PartialDate(datetime.date(2024, 2, 1), DatePrecision.MONTH)),
        ("2024-08-23", PartialDate(datetime.date(2024, 8, 23), DatePrecision.DAY)),
        ("August 2024", PartialDate(datetime.date(2024, 8, 1), DatePrecision.MONTH)),
        ("Aug 2024", PartialDate(datetime.date(2024, 8, 1), DatePrecision.MONTH)),
        ("23 August 2024", PartialDate(datetime.date(2024, 8, 23), DatePrecision.DAY)),
        ("23 Aug 2024", PartialDate(datetime.date(2024, 8, 23), DatePrecision.DAY)),
        ("23.08.2024", PartialDate(datetime.date(2024, 8, 23), DatePrecision.DAY)),
        ("  august   2024 ", PartialDate(datetime.date(2024, 8, 1), DatePrecision.MONTH)),
    ],
)
def test_dates_as_people_write_them_are_read_at_their_precision(text, expected):
    assert PartialDate.parse(text) == expected
    assert parse_partial_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30 February 2024", "30 February 2024 does not exist."),
        ("2024-02-30", "30 February 2024 does not exist."),
        ("31.04.2023", "31 April 2023 does not exist."),
        ("2024-13", "there is no month 13"),
        ("Augst 2024", "“Augst” in “Augst 2024” is not the name of a month"),
        ("abc", "is not a date: write it as 2024, August 2024"),
        ("20-1-1-1", "is not a date: write it as"),
        ("23.08.24", "is not a date: write it as"),
    ],
)
def test_bad_dates_are_refused_with_what_is_wrong(text, message):
    with pytest.raises(PartialDateError, match=re.escape(message)):
        parse_partial_date(text)


def test_no_text_is_no_date():
    assert parse_partial_date("  ") is None
    with pytest.raises(ValueError, match="is not a date"):
        PartialDate.parse("")


@pytest.mark.django_db
def test_year_filters_and_order_work_at_every_precision():
    day = TreatyFactory(slug="day", signed_on=datetime.date(2024, 8, 23))
    month = TreatyFactory(
        slug="month", signed_on=datetime.date(2024, 2, 9), signed_on_precision=DatePrecision.MONTH
    )
    year = TreatyFactory(
        slug="year", signed_on=datetime.date(2024, 6, 6), signed_on_precision=DatePrecision.YEAR
    )
    TreatyFactory(slug="other-year", signed_on=datetime.date(2023, 12, 31))
    in_2024 = TreatyFilterSet({"year": "2024"}, queryset=Treaty.objects.all()).qs
    assert set(in_2024) == {day, month, year}
    assert list(Treaty.objects.filter(signed_on__year=2024).order_by("signed_on")) == [
        year,
        month,
        day,
    ]
