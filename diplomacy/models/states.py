"""States through history (SPEC 3.9): existence periods, codes by scheme with
their validity, predecessors and successors; and the one lookup of a state by
code that the importer and the API use."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from diplomacy.caching import cached_objects
from diplomacy.choices import DatePrecision
from diplomacy.partial_dates import (
    PartialDate,
    PartialDatesMixin,
    dates_in_order_constraint,
    precision_constraint,
    precision_field,
)
from diplomacy.validators import reject_control_characters


class CodeScheme(models.TextChoices):
    ISO_ALPHA2 = "iso2", "ISO 3166-1 alpha-2"
    ISO_ALPHA3 = "iso3", "ISO 3166-1 alpha-3"
    ISO_ALPHA4 = "iso4", "ISO 3166-3 alpha-4"
    COW_NUMBER = "cow", "COW number"
    COW_ABBREVIATION = "cowabb", "COW abbreviation"


class SuccessionKind(models.TextChoices):
    CONTINUATION = "continuation", "Continuation"
    DISSOLUTION = "dissolution", "Dissolution"
    SECESSION = "secession", "Secession"
    UNIFICATION = "unification", "Unification"
    ABSORPTION = "absorption", "Absorption"


def period_end(value: datetime.date | None, precision: str) -> datetime.date | None:
    """The last day a partial date stands for: "1918" ends on 31 December 1918."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        following = value.replace(day=28) + datetime.timedelta(days=4)
        return following - datetime.timedelta(days=following.day)
    return value


class StatePeriod(PartialDatesMixin, models.Model):
    """A span in which the state existed as a state; open-ended while it exists."""

    state = models.ForeignKey("diplomacy.State", on_delete=models.CASCADE, related_name="periods")
    started_on = models.DateField("from", null=True, blank=True)
    started_on_precision = precision_field("start precision")
    ended_on = models.DateField("to", null=True, blank=True, help_text="Empty while it exists.")
    ended_on_precision = precision_field("end precision")
    note = models.CharField(max_length=200, blank=True, validators=[reject_control_characters])

    history = HistoricalRecords()
    partial_dates = ("started_on", "ended_on")

    class Meta:
        ordering = ["state", models.F("started_on").asc(nulls_first=True), "pk"]
        constraints = [
            precision_constraint("stateperiod", "started_on"),
            precision_constraint("stateperiod", "ended_on"),
            dates_in_order_constraint("stateperiod", "started_on", "ended_on", "period_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.state}: {self.label}"

    @property
    def start(self) -> PartialDate | None:
        return self.partial("started_on")

    @property
    def end(self) -> PartialDate | None:
        return self.partial("ended_on")

    @property
    def label(self) -> str:
        if self.ended_on is None:
            return f"from {self.start}" if self.start else "existing"
        return f"{self.start or '?'} \N{EN DASH} {self.end}"

    def contains(self, on: datetime.date) -> bool:
        last = period_end(self.ended_on, self.ended_on_precision)
        return (self.started_on is None or self.started_on <= on) and (last is None or on <= last)

    def clean(self):
        self.normalise_partial_dates()
        self.clean_date_order("started_on", "ended_on", "A period cannot end before it starts.")


class StateCode(models.Model):
    """A code a state held under a scheme, for a period (open ends: unknown or
    still held). A code can belong to different states in different periods.
    The state's own ``iso2``/``iso3`` fields are today's ISO 3166-1 codes and
    need no row here."""

    state = models.ForeignKey("diplomacy.State", on_delete=models.CASCADE, related_name="codes")
    scheme = models.CharField(max_length=6, choices=CodeScheme.choices)
    code = models.CharField(
        max_length=4,
        help_text="Upper case letters (ISO, COW abbreviation) or the COW number.",
        validators=[reject_control_characters],
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True, help_text="Empty while it is held.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["state", "scheme", models.F("valid_from").asc(nulls_first=True), "pk"]
        indexes = [models.Index(fields=["code", "scheme"], name="diplomacy_statecode_code")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheme__in=CodeScheme.values),
                name="diplomacy_statecode_scheme_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^([A-Z]{2,4}|[1-9][0-9]{0,3})$"),
                name="diplomacy_statecode_code_format",
            ),
            dates_in_order_constraint(
                "statecode", "valid_from", "valid_to", "valid_in_order", later_is_partial=False
            ),
            models.UniqueConstraint(
                fields=["state", "scheme", "code", "valid_from"],
                name="diplomacy_statecode_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.code}"

    def save(self, *args, **kwargs):
        self.code = normalise_code(self.code)
        super().save(*args, **kwargs)

    def clean(self):
        # As typed ("uz", "0365"), before the format constraint is checked.
        self.code = normalise_code(self.code or "")


class StateSuccession(PartialDatesMixin, models.Model):
    """``predecessor`` became, or gave rise to, ``successor`` on a date."""

    predecessor = models.ForeignKey(
        "diplomacy.State", on_delete=models.CASCADE, related_name="successions"
    )
    successor = models.ForeignKey(
        "diplomacy.State", on_delete=models.CASCADE, related_name="predecessions"
    )
    kind = models.CharField(max_length=12, choices=SuccessionKind.choices)
    on = models.DateField("date", null=True, blank=True)
    on_precision = precision_field("date precision")
    note = models.CharField(max_length=200, blank=True, validators=[reject_control_characters])

    history = HistoricalRecords()
    partial_dates = ("on",)

    class Meta:
        ordering = [models.F("on").asc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=SuccessionKind.values),
                name="diplomacy_statesuccession_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")),
                name="diplomacy_statesuccession_not_itself",
            ),
            models.UniqueConstraint(
                fields=["predecessor", "successor", "kind"], name="diplomacy_statesuccession_unique"
            ),
            precision_constraint("statesuccession", "on"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()})"

    def clean(self):
        # The database refuses it too; a form or an import says so in words.
        if self.predecessor_id and self.predecessor_id == self.successor_id:
            raise ValidationError("A state cannot succeed itself: choose another state.")

    @property
    def date(self) -> PartialDate | None:
        return self.partial("on")


# -- lookup by code --------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """Letters in upper case; a COW number without its zero padding."""
    key = code.strip().upper()
    return str(int(key)) if key.isdigit() else key


# A state's recorded existence, in order: (first day, last day, the end as
# the sources give it). None for an open side.
Lifetime = tuple[tuple[datetime.date | None, datetime.date | None, PartialDate | None], ...]


def state_lifetimes() -> dict[int, Lifetime]:
    """``{state id: its periods}`` of the states whose existence is recorded
    (a state without periods exists on every date), kept per data version:
    the relations and the filters of treaties in force read it for every
    party row they judge."""

    def read() -> dict[int, Lifetime]:
        found: dict[int, list] = {}
        periods = StatePeriod.objects.order_by(
            "state_id", models.F("started_on").asc(nulls_first=True)
        ).values_list("state_id", "started_on", "ended_on", "ended_on_precision")
        for state_id, start, end, precision in periods:
            last = period_end(end, precision)
            # As written ("1990"), on its last day: a state ended "in 1990"
            # existed, and its memberships held, until 31 December 1990.
            written = PartialDate(last, precision) if last else None
            found.setdefault(state_id, []).append((start, last, written))
        return {pk: tuple(periods) for pk, periods in found.items()}

    return cached_objects("state-lifetimes", read)


def states_gone_on(day: datetime.date) -> list[int]:
    """The states that did not exist on ``day``: none of their recorded
    periods holds it. A treaty binds none of them on that day (SPEC 3.9)."""
    return sorted(
        pk
        for pk, periods in state_lifetimes().items()
        if not any((a is None or a <= day) and (b is None or day <= b) for a, b, _ in periods)
    )


def states_restored_on(day: datetime.date) -> dict[int, datetime.date]:
    """``{state id: the first day of its existence that holds day}`` of the
    states that existed on ``day`` after an earlier existence had ended
    (Russia from 1991, Lithuania from 1990): their memberships from before
    that day do not bind them (``existence_end``)."""
    restored = {}
    for pk, periods in state_lifetimes().items():
        for n, (first, last, _written) in enumerate(periods):
            if n and first and first <= day and (last is None or day <= last):
                restored[pk] = first
    return restored


def existence_end(state_id: int | None, on: datetime.date) -> PartialDate | None:
    """When the state's existence that holds ``on`` ended (None: it goes on,
    or nothing is recorded): a state's memberships end with it. A state
    restored later does not get them back (``states_restored_on``): the
    register does not know which of its old treaties it took up again."""
    periods = state_lifetimes().get(state_id)
    if not periods:
        return None
    for _first, last, written in periods:
        if last is None or last >= on:
            return written
    return periods[-1][2]


class UnknownStateCode(ValueError):
    """A code no state holds, or holds on the record's date: the message says
    what the register knows of the code."""


@dataclass(frozen=True)
class _Holding:
    state_id: int
    label: str  # "COW 365", "ISO alpha-2 CS"
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    dated: bool  # a row of the code table (a known period), not today's iso2/iso3

    def holds_on(self, on: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass
class _StateFacts:
    name: str
    code: str
    periods: list[tuple[datetime.date | None, datetime.date | None, str]]
    # The codes a download may write for it, in the order tried (written_code).
    written: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        return not self.periods or any(end is None for _start, end, _label in self.periods)

    def exists_on(self, on: datetime.date, until: datetime.date | None = None) -> bool:
        """Whether it existed on ``on``, or on some day from ``on`` to
        ``until`` (a date known to its month or year: a treaty of "1991" may
        name Uzbekistan, a state from 26 December 1991)."""
        until = until or on
        return not self.periods or any(
            (start is None or start <= until) and (end is None or on <= end)
            for start, end, _label in self.periods
        )

    def span(self) -> str:
        return ", ".join(label for _start, _end, label in self.periods)


SCHEME_LABELS = {
    CodeScheme.ISO_ALPHA2: "ISO alpha-2",
    CodeScheme.ISO_ALPHA3: "ISO alpha-3",
    CodeScheme.ISO_ALPHA4: "ISO 3166-3",
    CodeScheme.COW_NUMBER: "COW",
    CodeScheme.COW_ABBREVIATION: "COW abbreviation",
}


class StateCodes:
    """Every state code the register knows, read in three queries: the one
    place where a code given with a record (an import row, an API write)
    becomes a state.

    A bare three-letter code is an ISO alpha-3 code first and a COW
    abbreviation only where no ISO code matches (COW's AUS is Austria, ISO's
    is Australia). A date picks the state that held the code on it, and that
    state must exist on it; without a date the state that holds the code
    today wins, then the state whose public code it is.
    """

    def __init__(self, *, published_only: bool = False):
        from diplomacy.models import State

        states = State.objects.all()
        if published_only:
            states = states.filter(is_published=True)
        self.facts: dict[int, _StateFacts] = {}
        self.public: dict[str, int] = {}
        # code -> (ISO-like holdings, COW abbreviation holdings)
        self.holdings: dict[str, tuple[list[_Holding], list[_Holding]]] = {}
        numbers = {}
        for pk, name, code, iso2, iso3, cow in states.values_list(
            "pk", "name", "code", "iso2", "iso3", "cow_code"
        ):
            written = (iso2 or code.upper(), iso3, code.upper(), str(cow) if cow else None)
            written = tuple(dict.fromkeys(filter(None, written)))
            self.facts[pk] = _StateFacts(name, code, [], written)
            if cow is not None:
                numbers[pk] = str(cow)
            self.public[code.upper()] = pk
            for scheme, value in ((CodeScheme.ISO_ALPHA2, iso2), (CodeScheme.ISO_ALPHA3, iso3)):
                if value:
                    self._add(
                        value, _Holding(pk, f"{SCHEME_LABELS[scheme]} {value}", None, None, False)
                    )
        for period in StatePeriod.objects.filter(state__in=states).order_by(
            "state_id", models.F("started_on").asc(nulls_first=True)
        ):
            self.facts[period.state_id].periods.append(
                (
                    period.started_on,
                    period_end(period.ended_on, period.ended_on_precision),
                    period.label,
                )
            )
        for state_id, scheme, value, start, end in StateCode.objects.filter(
            state__in=states
        ).values_list("state_id", "scheme", "code", "valid_from", "valid_to"):
            self._add(
                value,
                _Holding(state_id, f"{SCHEME_LABELS[scheme]} {value}", start, end, True),
                cow_abbreviation=scheme == CodeScheme.COW_ABBREVIATION,
            )
            if scheme == CodeScheme.COW_NUMBER:
                numbers.pop(state_id, None)
        # A state's own COW number, where no period of it is recorded: held throughout.
        for state_id, number in numbers.items():
            self._add(number, _Holding(state_id, f"COW {number}", None, None, False))
        # Codes that name one state whatever the date (most of them): read on a
        # date, the only question left is whether that state existed then. An
        # import reads millions of codes; this spares it the general search.
        self.steady: dict[str, int] = {}
        for key in self.holdings.keys() | self.public.keys():
            iso_like, cow = self.holdings.get(key, ([], []))
            holdings = iso_like or cow
            if not holdings:
                self.steady[key] = self.public[key]
            elif len({h.state_id for h in holdings}) == 1 and not any(
                h.dated or h.valid_from or h.valid_to for h in holdings
            ):
                self.steady[key] = holdings[0].state_id
        # States whose display code names them on every date: a download writes
        # it without a search (written_code), for every party of every row.
        self.steady_written = {
            pk
            for pk, facts in self.facts.items()
            if self.steady.get(normalise_code(facts.written[0])) == pk
        }

    def _add(self, code: str, holding: _Holding, cow_abbreviation: bool = False) -> None:
        iso_like, cow = self.holdings.setdefault(code.upper(), ([], []))
        (cow if cow_abbreviation else iso_like).append(holding)

    def state_id(self, code: str, on: datetime.date | PartialDate | None = None) -> int:
        """The primary key of the state ``code`` names (on ``on``, the
        record's date), or ``UnknownStateCode`` saying why none."""
        key = normalise_code(code)
        steady = self.steady.get(key)
        if steady is not None and on is not None and self.facts[steady].exists_on(*_days(on)):
            return steady  # else the general search below, for its message
        iso_like, cow = self.holdings.get(key, ([], []))
        holdings = iso_like or cow
        public = self.public.get(key)
        if not holdings and public is None:
            raise UnknownStateCode(
                f"Unknown state “{code.strip()}”: give an ISO alpha-2 or alpha-3 code, "
                "a COW number or the register's code of a state."
            )
        if on is None:
            return self._undated(key, holdings, public)
        return self._dated(key, holdings, public, on)

    def _undated(self, key: str, holdings: list[_Holding], public: int | None) -> int:
        today = datetime.date.today()
        held_today = {
            h.state_id for h in holdings if h.holds_on(today) and self.facts[h.state_id].is_current
        }
        if len(held_today) == 1:
            return held_today.pop()
        if public is not None:
            return public
        states = {h.state_id for h in holdings}
        if len(states) == 1:
            return states.pop()
        raise UnknownStateCode(
            f"{holdings[0].label.rsplit(' ', 1)[0]} {key} was held by "
            f"{self._names(states)}: give the record's date."
        )

    def _dated(
        self,
        key: str,
        holdings: list[_Holding],
        public: int | None,
        dated: datetime.date | PartialDate,
    ) -> int:
        # A code is read on the first day of a partial date (COW 365 in
        # "1991" is the Soviet Union's); its state may exist on any day of it.
        on, until = _days(dated)
        dated_as = dated.iso if isinstance(dated, PartialDate) else dated.isoformat()
        holding = [h for h in holdings if h.holds_on(on)]
        # A code known to be held in a period names that state rather than
        # the state holding it today (AI: the French Afars and Issas until 1977).
        dated = {h.state_id for h in holding if h.dated}
        candidates = dated or {h.state_id for h in holding}
        if not candidates and public is not None:
            candidates = {public}
        if len(candidates) > 1:
            raise UnknownStateCode(
                f"{key} was held by {self._names(candidates)} on {dated_as}: "
                "give the register's code of the state."
            )
        label = holdings[0].label if holdings else f"“{key.lower()}”"
        if not candidates:
            states = list(dict.fromkeys(h.state_id for h in holdings))
            described = "; ".join(self._describe(state_id, holdings, on) for state_id in states)
            raise UnknownStateCode(f"{label} is {described}; this record is dated {dated_as}.")
        state_id = candidates.pop()
        facts = self.facts[state_id]
        if not facts.exists_on(on, until):
            raise UnknownStateCode(
                f"{label} is {facts.name}, which was not a state then (it existed "
                f"{facts.span()}); this record is dated {dated_as}."
            )
        return state_id

    def written_code(self, state_id: int, on: datetime.date | PartialDate | None) -> str:
        """The code a download writes for the state on a record's date ``on``:
        its display code (today's ISO alpha-2, else its public code) unless
        that code names another state then, and then the first of its ISO
        alpha-3, public code and COW number that reads back as this state.
        (Anguilla's AI was the French Afars and Issas' until 1977; a treaty of
        Anguilla's of 1975 is written with AIA.)"""
        written = self.facts[state_id].written
        if state_id in self.steady_written:
            return written[0]  # most states
        for code in written:
            try:
                if self.state_id(code, on) == state_id:
                    return code
            except UnknownStateCode:
                continue
        return written[0]  # none reads back (a state not existing then): as it is

    def check_exists(self, state_id: int, on: datetime.date | PartialDate) -> None:
        """``UnknownStateCode`` unless the state existed on ``on`` (a record's
        date), for a write that names the state by its public code."""
        dated_as = on.iso if isinstance(on, PartialDate) else on.isoformat()
        facts = self.facts[state_id]
        if not facts.exists_on(*_days(on)):
            raise UnknownStateCode(
                f"{facts.name} was not a state then (it existed {facts.span()}); "
                f"this record is dated {dated_as}."
            )

    def _describe(self, state_id: int, holdings: list[_Holding], on: datetime.date) -> str:
        facts = self.facts[state_id]
        held = [h for h in holdings if h.state_id == state_id]
        starts = [h.valid_from for h in held]
        ends = [h.valid_to for h in held]
        if all(starts) and on < min(starts):
            return f"{facts.name}, which began in {min(starts).year}"
        if all(ends) and on > max(ends):
            return f"{facts.name}, which ended in {max(ends).year}"
        return f"{facts.name} ({facts.span() or 'at other dates'})"

    def _names(self, state_ids) -> str:
        names = sorted(self.facts[pk].name for pk in state_ids)
        return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _days(on: datetime.date | PartialDate) -> tuple[datetime.date, datetime.date]:
    """The first and last day a record's date stands for."""
    if isinstance(on, PartialDate):
        return on.date, period_end(on.date, on.precision)
    return on, on


def existence_errors(named) -> dict:
    """What is wrong with naming each state on its record's date (SPEC 3.9: no
    treaty of the Soviet Union dated 2000): for ``(key, state, date)``
    triples, the messages of each key (a field, a row) whose state did not
    exist then. An undated one is not checked. For the admin and the API
    alike; one call checks all of a form's states with the same few queries."""
    named = [(field, state, on) for field, state, on in named if on is not None and state]
    if not named:
        return {}
    codes = StateCodes()
    errors: dict = {}
    for key, state, on in named:
        try:
            codes.check_exists(state.pk, on)
        except UnknownStateCode as exc:
            errors.setdefault(key, []).append(str(exc))
    return errors
