"""Load the states through history: ISO 3166-3 (pycountry) and the COW State
System Membership list v2016 (diplomacy/reference_data, cited in its README).

Run after ``load_countries`` (``make setup`` does). Idempotent, and it only
adds: missing states (published), codes a state does not have yet, periods
for a state that has none, a COW number where the state has none, missing
successions. It never changes a name, a code, a period or a succession that
is already there, so what editors curate stays; and it never adds again what
the register held once and an editor removed (the history remembers it): a
deleted state (nor its codes, periods and successions), a code, a succession,
a COW number cleared. A state whose public code an editor changed is still
found by the code it had.
"""

import csv
import datetime
from collections import defaultdict
from pathlib import Path

import pycountry
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from diplomacy.choices import DatePrecision
from diplomacy.models import CodeScheme, State, StateCode, StatePeriod, StateSuccession

DATA = Path(__file__).resolve().parents[2] / "reference_data"
# COW v2016 ends every current membership on its last day of coverage.
COW_COVERAGE_END = datetime.date(2016, 12, 31)
# And begins its list on the first day of 1816: a state that is a member from
# then existed before (the United States since 1776). That day is no founding
# date, so such a period has no known start (a treaty of 1783 may name the
# state) and says why.
COW_COVERAGE_START = datetime.date(1816, 1, 1)
BEFORE_COVERAGE_NOTE = "existed before 1816, when the Correlates of War list begins"


def read(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def day(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def withdrawal(text: str) -> datetime.date:
    """ISO 3166-3 gives a withdrawal date or only its year: the last day it may mean."""
    return datetime.date(int(text), 12, 31) if len(text) == 4 else datetime.date.fromisoformat(text)


def current_cow_numbers() -> dict[str, int]:
    """The COW number each state holds today, by public code (``load_countries``
    gives a new state its number, so that its history starts with it)."""
    return {
        row["holder"]: int(row["ccode"]) for row in read("cow_holders.csv") if not row["valid_to"]
    }


def overlap(a_from, a_to, b_from, b_to):
    """The intersection of two spans (None: unbounded), or None if empty."""
    start = max((d for d in (a_from, b_from) if d), default=None)
    end = min((d for d in (a_to, b_to) if d), default=None)
    if start and end and end < start:
        return None
    return start, end


class Command(BaseCommand):
    help = "Load states through history (ISO 3166-3, COW v2016): adds, never overwrites."

    @transaction.atomic
    def handle(self, *args, **options):
        self.states = {state.code: state for state in State.objects.all()}
        # Public codes states had once: the state that has it now (an editor
        # changed its code), or None (deleted).
        live = {state.pk: state for state in self.states.values()}
        self.former: dict[str, State | None] = {}
        for pk, code in State.history.values_list("id", "code"):
            if code not in self.states:
                self.former[code] = self.former.get(code) or live.get(pk)
        self.slugs = set(State.objects.values_list("slug", flat=True))
        self.counts = defaultdict(int)
        cow = defaultdict(list)
        for row in read("cow_states2016.csv"):
            start = datetime.date(int(row["styear"]), int(row["stmonth"]), int(row["stday"]))
            end = datetime.date(int(row["endyear"]), int(row["endmonth"]), int(row["endday"]))
            cow[int(row["ccode"])].append(
                (row["stateabb"], row["statenme"], start, None if end == COW_COVERAGE_END else end)
            )
        iso_historic = {country.alpha_4: country for country in pycountry.historic_countries}

        holders = read("cow_holders.csv")
        # A new state is created with its COW number, so that its history starts with it.
        numbers = {}
        for row in holders:
            numbers.setdefault(row["holder"], int(row["ccode"]))
        for row in read("iso3166_3.csv"):
            if row["name"]:
                self.state(row["holder"], row["name"], numbers.get(row["holder"]))
        for row in holders:
            ccode = int(row["ccode"])
            self.state(row["holder"], cow[ccode][0][1], ccode)

        periods = defaultdict(list)
        for row in holders:
            ccode = int(row["ccode"])
            state = self.find(row["holder"])
            if state is None:
                continue
            memberships = cow[ccode]
            held_from, held_to = day(row["valid_from"]), day(row["valid_to"])
            spans = [overlap(held_from, held_to, start, end) for _a, _n, start, end in memberships]
            spans = [span for span in spans if span]
            if held_from and held_from < spans[0][0]:
                # COW dates membership of the state system (the German Federal
                # Republic from 1955); this file may date the state from its founding.
                spans[0] = (held_from, spans[0][1])
            code_from = min(start for start, _end in spans)
            code_to = None if any(end is None for _s, end in spans) else max(e for _s, e in spans)
            self.code(state, CodeScheme.COW_NUMBER, str(ccode), code_from, code_to)
            self.code(state, CodeScheme.COW_ABBREVIATION, memberships[0][0], code_from, code_to)
            if state.cow_code is None and not self.had_cow_number(state):
                state.cow_code = ccode
                state.save(update_fields=["cow_code", "updated_at"])
                self.counts["COW numbers set"] += 1
            periods[state].extend(spans)

        for row in read("iso3166_3.csv"):
            if not row["holder"]:
                continue
            state = self.find(row["holder"])
            if state is None:
                continue
            country = iso_historic[row["alpha4"]]
            start, end = day(row["valid_from"]), withdrawal(country.withdrawal_date)
            self.code(state, CodeScheme.ISO_ALPHA4, country.alpha_4, start, end)
            if country.alpha_2 != state.iso2:
                self.code(state, CodeScheme.ISO_ALPHA2, country.alpha_2, start, end)
            if country.alpha_3 != state.iso3:
                self.code(state, CodeScheme.ISO_ALPHA3, country.alpha_3, start, end)
            if row["name"] and state not in periods:
                # Not a COW member (Sikkim): it existed until ISO withdrew its code.
                precision = DatePrecision.YEAR if len(country.withdrawal_date) == 4 else "day"
                periods[state].append((None, (end, precision)))

        for state, spans in periods.items():
            if state.periods.exists():
                continue
            for start, end in spans:
                end, precision = end if isinstance(end, tuple) else (end, DatePrecision.DAY)
                note = BEFORE_COVERAGE_NOTE if start == COW_COVERAGE_START else ""
                StatePeriod(
                    state=state,
                    started_on=None if note else start,
                    ended_on=end,
                    ended_on_precision=precision,
                    note=note,
                ).save()
                self.counts["periods"] += 1

        for row in read("successions.csv"):
            predecessor, successor = self.find(row["predecessor"]), self.find(row["successor"])
            if predecessor is None or successor is None:
                continue
            same = {"predecessor_id": predecessor.pk, "successor_id": successor.pk}
            if not self.held_once(StateSuccession, kind=row["kind"], **same):
                StateSuccession(
                    predecessor=predecessor,
                    successor=successor,
                    kind=row["kind"],
                    on=day(row["date"]),
                    note=row["note"],
                ).save()
                self.counts["successions"] += 1

        summary = ", ".join(f"{n} {what}" for what, n in self.counts.items()) or "nothing"
        self.stdout.write(f"Historic states: {summary} added.")

    def find(self, code: str) -> State | None:
        """The state with this public code, or that had it (None: deleted)."""
        return self.states[code] if code in self.states else self.former[code]

    def state(self, code: str, name: str, cow_code: int | None) -> State | None:
        if code in self.states or code in self.former:
            return self.find(code)
        if len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()):
            raise CommandError(f"No state {code.upper()}: run load_countries first.")
        slug = slugify(name) or code
        if slug in self.slugs:
            slug = f"{slug}-{code}"
        state = State(name=name, code=code, slug=slug, cow_code=cow_code, is_published=True)
        state.save()
        self.slugs.add(slug)
        self.states[code] = state
        self.counts["states"] += 1
        return state

    def code(self, state, scheme, value, valid_from, valid_to) -> None:
        # Keyed by its start: a state can hold a code twice (COW 365: Russia
        # until 1922 and from 1991); an editor who corrects the end keeps it.
        if not self.held_once(
            StateCode, state_id=state.pk, scheme=scheme, code=value, valid_from=valid_from
        ):
            StateCode(
                state=state, scheme=scheme, code=value, valid_from=valid_from, valid_to=valid_to
            ).save()
            self.counts["codes"] += 1

    @staticmethod
    def held_once(model, **fields) -> bool:
        """Whether the register has such a row, or had one (an editor removed it)."""
        return model.objects.filter(**fields).exists() or model.history.filter(**fields).exists()

    @staticmethod
    def had_cow_number(state) -> bool:
        """Whether a version of the state had a COW number (an editor cleared it)."""
        return State.history.filter(id=state.pk, cow_code__isnull=False).exists()
