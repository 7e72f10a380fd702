"""Turn Natural Earth's 1:110m countries (the npm package ``world-atlas@2``,
``countries-110m.json``, TopoJSON) into ``countries-110m-svg.json``: each
country's SVG path data in a plain equirectangular projection, by ISO 3166-1
alpha-2 code. Run once when the shapes change; the pages read the output only.

    npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python diplomacy/reference_data/natural_earth/build.py package/countries-110m.json

Kept in the repository so that anyone can rebuild the file from its source
and check what was done to it (nothing but projecting, rounding and naming).
"""

import itertools
import json
import sys
from pathlib import Path

import pycountry

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "countries-110m-svg.json"

# The drawing: longitudes -180..180 across WIDTH; latitudes from NORTH to
# SOUTH (Antarctica is left out: it is no state, and it would take a fifth of
# the picture). Whole units (0.375 degrees): a state page shows the map about
# this wide, and the file is half the size of one with tenths.
WIDTH = 960
NORTH, SOUTH = 84.0, -57.0
SCALE = WIDTH / 360
HEIGHT = round((NORTH - SOUTH) * SCALE)
DECIMALS = 0

# Shapes Natural Earth draws without an ISO numeric code (disputed or not
# recognised by ISO): Kosovo has the user-assigned code XK that registers use;
# the others are drawn as land of no state.
UNCODED = {"Kosovo": "XK"}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The topology's arcs as absolute longitude/latitude points (delta-encoded, quantized)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs) -> list[tuple[float, float]]:
    """A ring's points from its arc indexes (a negative index is that arc reversed,
    ``~i``); each arc after the first repeats the last point of the one before."""
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def unwrapped(points):
    """A ring's points with longitudes made continuous: a ring that crosses the
    antimeridian (Russia's Chukotka, Fiji) jumps from 180 to -180 in the source;
    here it runs on past 180 instead. Returns the ring, and its copy one turn
    west when it runs past 180 (each copy is cut at the picture's edge)."""
    out = [points[0]]
    for lon, lat in points[1:]:
        previous = out[-1][0]
        while lon - previous > 180:
            lon -= 360
        while previous - lon > 180:
            lon += 360
        out.append((lon, lat))
    rings = [out]
    if max(lon for lon, _ in out) > 180:
        rings.append([(lon - 360, lat) for lon, lat in out])
    if min(lon for lon, _ in out) < -180:
        rings.append([(lon + 360, lat) for lon, lat in out])
    return rings


def project(lon: float, lat: float) -> tuple[float, float]:
    lat = max(SOUTH, min(NORTH, lat))
    return round((lon + 180) * SCALE, DECIMALS), round((NORTH - lat) * SCALE, DECIMALS)


def ring_path(points) -> str:
    """``M x y l dx dy …z``, repeated points dropped and a run of equal steps
    (points on one straight line, evenly spaced) drawn as one."""
    projected = []
    for lon, lat in points:
        point = project(lon, lat)
        if not projected or point != projected[-1]:
            projected.append(point)
    if len(projected) < 3:
        return ""
    steps: list[list[float]] = []  # [dx, dy, how many equal steps]
    for (ax, ay), (bx, by) in itertools.pairwise(projected):
        step = (round(bx - ax, DECIMALS), round(by - ay, DECIMALS))
        if steps and (steps[-1][0], steps[-1][1]) == step:
            steps[-1][2] += 1
        else:
            steps.append([*step, 1])
    x0, y0 = projected[0]
    moves = " ".join(f"{dx * n:g} {dy * n:g}" for dx, dy, n in steps)
    return f"M{x0:g} {y0:g}l{moves}".replace(" -", "-") + "z"


def alpha2_of(geometry: dict) -> str | None:
    numeric = geometry.get("id")
    if numeric is None:
        return UNCODED.get(geometry["properties"]["name"])
    country = pycountry.countries.get(numeric=numeric)
    return country.alpha_2 if country else None


def build(source: Path) -> dict:
    topology = json.loads(source.read_text())
    arcs = decode_arcs(topology)
    countries = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = alpha2_of(geometry)
        if code is None or code == "AQ":
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        path = "".join(
            ring_path(points)
            for polygon in polygons
            for ring in polygon
            for points in unwrapped(ring_points(ring, arcs))
        )
        if path:
            countries[code] = {"name": geometry["properties"]["name"], "d": path}
    return {
        "source": "Natural Earth 1:110m Admin 0 countries, v4.1.0, via world-atlas@2",
        "width": WIDTH,
        "height": HEIGHT,
        "countries": dict(sorted(countries.items())),
    }


if __name__ == "__main__":
    result = build(Path(sys.argv[1]))
    OUTPUT.write_text(json.dumps(result, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{len(result['countries'])} countries, {OUTPUT.stat().st_size:,} bytes → {OUTPUT}")
