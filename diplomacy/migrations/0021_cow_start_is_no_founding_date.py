"""A period loaded from COW's list as starting on 1 January 1816 (the first
day the list covers) gets no start, and a note saying the state existed
before: that day is no founding date (see load_historic_states). Only periods
no person has edited (their history names no user), as ``make setup`` does."""

import datetime

from django.db import migrations
from django.utils import timezone

COW_COVERAGE_START = datetime.date(1816, 1, 1)
BEFORE_COVERAGE_NOTE = "existed before 1816, when the Correlates of War list begins"


def forwards(apps, schema_editor):
    period_model = apps.get_model("diplomacy", "StatePeriod")
    history = apps.get_model("diplomacy", "HistoricalStatePeriod")
    edited = history.objects.filter(history_user__isnull=False).values("id")
    periods = list(
        period_model.objects.filter(
            started_on=COW_COVERAGE_START, started_on_precision="day", note=""
        ).exclude(pk__in=edited)
    )
    now = timezone.now()
    for period in periods:
        period.started_on, period.note = None, BEFORE_COVERAGE_NOTE
    period_model.objects.bulk_update(periods, ["started_on", "note"])
    history.objects.bulk_create(
        history(
            id=period.pk,
            state_id=period.state_id,
            started_on=None,
            started_on_precision=period.started_on_precision,
            ended_on=period.ended_on,
            ended_on_precision=period.ended_on_precision,
            note=period.note,
            history_date=now,
            history_type="~",
            history_change_reason="1816 is where the COW list begins, not a founding date",
        )
        for period in periods
    )


class Migration(migrations.Migration):
    dependencies = [("diplomacy", "0020_partial_dates_in_order")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
