"""Pictures drawn on the server as SVG: bars of records per year, and a world
map of a state's partners. Only layout here (numbers and coordinates, plain
data); the templates ``partials/_chart_svg.html`` and ``partials/_world_map.html``
write the markup, so every text is escaped by the template engine.

Nothing here reads the database: callers pass counts they have (cached) and
partners they already computed.
"""

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from diplomacy.choices import RelationLevel

# Colours of a chart's series, in order: distinguishable by most colour-blind
# readers (after Okabe and Ito), each at least 3:1 against white. The last is
# "Other", always grey. Each bar also says its numbers in a tooltip, and the
# table beside the chart holds them all.
SERIES_COLOURS = ("#0b5cad", "#d97706", "#0b7a5c", "#8a3ffc", "#c2185b")
OTHER_COLOUR = "#6e7781"

# Two renditions of a chart: text stays legible when a phone (390 px wide,
# about 350 px of content) shrinks the narrow one, and a desktop shows the wide
# one at its size.
SIZES = {"wide": (720, 260, 12), "narrow": (360, 220, 11)}

# Width of a digit and of an average letter, in font sizes (the system sans
# serif fonts are narrower): used to keep labels apart, so generous.
DIGIT_WIDTH = 0.62
LETTER_WIDTH = 0.6

# Year label steps: a label every 1, 2, 5, 10... years, whichever first leaves
# room between two labels.
YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500)


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``1 treaty``, ``2 treaties``, ``1,200 visits``."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


@dataclass
class Series:
    key: str
    label: str
    colour: str
    # How one of it is counted in words: ("treaty", "treaties"); None: "label: n".
    noun: tuple[str, str] | None = None

    def words(self, n: int) -> str:
        return counted(n, *self.noun) if self.noun else f"{self.label}: {n:,}"


@dataclass
class Chart:
    """A stacked bar chart laid out for one size (``partials/_chart_svg.html``)."""

    title: str
    description: str
    width: int
    height: int
    font: int
    plot_left: float
    plot_right: float
    base: float
    columns: list = field(default_factory=list)
    year_labels: list = field(default_factory=list)
    ticks: list = field(default_factory=list)
    legend: list = field(default_factory=list)
    legend_height: float = 0
    label_x: float = 0
    year_y: float = 0


def nice_step(peak: int, most: int = 4) -> int:
    """A gridline step of 1, 2 or 5 times a power of ten giving at most ``most`` lines."""
    if peak <= 0:
        return 1
    raw = peak / most
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, factor * power)
    return 10 * power


def text_width(text: str, font: float) -> float:
    digits = sum(c.isdigit() for c in text)
    return (digits * DIGIT_WIDTH + (len(text) - digits) * LETTER_WIDTH) * font


def year_chart(
    by_year: dict,
    series: list[Series],
    *,
    title: str,
    description: str,
    size: str = "wide",
    total_noun: tuple[str, str] | None = None,
) -> Chart | None:
    """Bars of ``by_year`` ({year: {series key: n}}; the None year, undated
    records, left out) stacked in ``series`` order, on one column per year
    from the first to the last. None when no record is dated."""
    counts = {year: c for year, c in by_year.items() if year is not None and sum(c.values())}
    if not counts:
        return None
    width, height, font = SIZES[size]
    chart = Chart(title, description, width, height, font, 0, width - 4, 0)

    # The legend (in the picture: an <img> carries no page text), wrapped in lines.
    x, line, row_height = 0.0, 0, font * 1.6
    for item in series:
        item_width = font * 1.3 + text_width(item.label, font) + font
        if x and x + item_width > width:
            x, line = 0.0, line + 1
        y = line * row_height
        chart.legend.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "text_x": round(x + font * 1.3, 1),
                "text_y": round(y + font * 0.9, 1),
                "series": item,
                "size": font,
            }
        )
        x += item_width
    chart.legend_height = (line + 1) * row_height + font * 0.6

    first, last = min(counts), max(counts)
    peak = max(sum(c.values()) for c in counts.values())
    step = nice_step(peak)
    top = math.ceil(peak / step) * step
    chart.plot_left = round(text_width(f"{top:,}", font) + font * 0.6, 1)
    chart.label_x = round(chart.plot_left - font * 0.4, 1)
    chart.year_y = round(height - font * 0.6, 1)
    plot_top = chart.legend_height + font * 0.6
    chart.base = round(height - font * 2, 1)
    plot_height = chart.base - plot_top
    pitch = (chart.plot_right - chart.plot_left) / (last - first + 1)
    bar = pitch * 0.8 if pitch >= 4 else pitch
    unit = plot_height / top

    chart.ticks = [
        {
            "y": round(chart.base - value * unit, 1),
            "label_y": round(chart.base - value * unit + font * 0.35, 1),
            "label": f"{value:,}",
        }
        for value in range(0, top + 1, step)
    ]
    for year in range(first, last + 1):
        year_counts = counts.get(year, {})
        x = chart.plot_left + (year - first) * pitch + (pitch - bar) / 2
        y = chart.base
        stack = []
        for item in series:
            n = year_counts.get(item.key, 0)
            if n:
                h = n * unit
                y -= h
                stack.append({"series": item, "n": n, "y": round(y, 2), "h": round(h, 2)})
        if stack:
            total = sum(s["n"] for s in stack)
            parts = ", ".join(s["series"].words(s["n"]) for s in stack)
            heading = f"{counted(total, *total_noun)} ({parts})" if total_noun else parts
            chart.columns.append(
                {
                    "year": year,
                    "x": round(x, 2),
                    "width": round(bar, 2),
                    "stack": stack,
                    "tooltip": f"{year}: {heading}",
                }
            )

    # Year labels centred under their column, never overlapping: the step is
    # the first that leaves a label's width and a gap between two labels.
    room = text_width("0000", font) + font
    year_step = next((s for s in YEAR_STEPS if s * pitch >= room), YEAR_STEPS[-1])
    half = text_width("0000", font) / 2
    for year in range(first, last + 1):
        if year % year_step and not (year == first and last - first < year_step):
            continue
        centre = chart.plot_left + (year - first + 0.5) * pitch
        if centre - half < 0 or centre + half > width:
            continue
        chart.year_labels.append({"x": round(centre, 1), "text": str(year)})
    return chart


def kind_series(totals: dict[str, int], labels: dict[str, str], most: int = 5) -> list[Series]:
    """The ``most`` largest kinds of a set as series, biggest first; the rest,
    with the kind "other", as one grey "Other" series (keyed ``other``)."""
    ranked = sorted(
        (key for key, n in totals.items() if n and key != "other"), key=lambda k: (-totals[k], k)
    )
    named = ranked if len(ranked) <= most else ranked[: most - 1]
    series = [Series(key, labels.get(key, key), SERIES_COLOURS[i]) for i, key in enumerate(named)]
    if len(named) < len(ranked) or totals.get("other"):
        series.append(Series("other", "Other", OTHER_COLOUR))
    return series


def fold_kinds(by_year: dict, series: list[Series]) -> dict:
    """``by_year`` with kinds that have no series of their own counted as ``other``."""
    keys = {s.key for s in series}
    folded = {}
    for year, counts in by_year.items():
        row = folded.setdefault(year, {})
        for key, n in counts.items():
            key = key if key in keys else "other"
            row[key] = row.get(key, 0) + n
    return folded


# The world map ------------------------------------------------------------

NATURAL_EARTH = Path(__file__).resolve().parent / "reference_data" / "natural_earth"

# A partner's colour by level (the state page's legend words name them), the
# state itself, and land of no recorded relation. Darker is closer; each is
# at least 3:1 against the light land, and every partner is also listed.
LEVEL_COLOURS = {
    RelationLevel.ALLIANCE: "#6929c4",
    RelationLevel.STRATEGIC_PARTNERSHIP: "#0b7a5c",
    RelationLevel.DIPLOMATIC_RELATIONS: "#5b8fc7",
}
SELF_COLOUR = "#1b1f24"
LAND_COLOUR = "#dde1e6"


@functools.cache
def world_shapes() -> dict:
    """Natural Earth's countries as SVG path data by ISO alpha-2 (built by
    ``reference_data/natural_earth/build.py``), read once per process."""
    return json.loads((NATURAL_EARTH / "countries-110m-svg.json").read_text())


def partners_map(state, partners) -> dict:
    """A world map of ``state``'s ``partners`` (``diplomacy.relations.Partner``,
    today's), each shape coloured by its level; partners without a shape
    (former states, microstates too small for 1:110m) listed apart."""
    shapes = world_shapes()
    by_code = {}
    for partner in partners:
        code = (partner.state.iso2 or "").upper()
        if code in shapes["countries"]:
            by_code[code] = partner
    own = (state.iso2 or "").upper()
    countries = []
    for code, shape in shapes["countries"].items():
        partner = by_code.get(code)
        if code == own:
            colour, label = SELF_COLOUR, f"{state.name} (this state)"
        elif partner is not None:
            colour = LEVEL_COLOURS[partner.level]
            label = f"{partner.state.name}: {partner.level.label}"
        else:
            colour, label = LAND_COLOUR, ""
        countries.append({"d": shape["d"], "fill": colour, "label": label})
    levels = sorted({p.level for p in partners}, reverse=True)
    return {
        "width": shapes["width"],
        "height": shapes["height"],
        "countries": countries,
        "legend": [
            {"colour": LEVEL_COLOURS[level], "label": level.partners_label} for level in levels
        ],
        "self_shown": own in shapes["countries"],
        "self_colour": SELF_COLOUR,
        "land_colour": LAND_COLOUR,
        "unmapped": [p for p in partners if (p.state.iso2 or "").upper() not in by_code],
        "mapped_count": len(by_code),
    }
