import datetime

import pytest

from diplomacy.choices import DatePrecision
from diplomacy.filtersets import TreatyFilterSet
from diplomacy.models import Treaty
from diplomacy.partial_dates import PartialDate
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
    ],
)
def test_partial_dates_parse(text, expected):
    assert PartialDate.parse(text) == expected


@pytest.mark.parametrize("text", ["2024-13", "abc", "2024-02-30", "", "20-1-1-1"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError, match="YYYY"):
        PartialDate.parse(text)


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
