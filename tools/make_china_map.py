"""Build omni_core/data/china_provinces.geojson from Apache ECharts 4.9.0's map/json/china.json.

Usage (offline once the package is fetched)::

    cd /tmp && npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz
    python tools/make_china_map.py /tmp/package/map/json/china.json

Steps: decode ECharts' "UTF8Encoding" coordinates (the algorithm of ECharts'
src/coord/geo/parseGeoJson.js: per ring, pairs of characters minus 64, zig-zag decoded, delta
decoded from the ring's encodeOffsets, divided by UTF8Scale = 1024), simplify every ring with
Douglas-Peucker (tolerance 0.04 degrees), drop islands below 0.005 square degrees (Hainan and
Taiwan are far larger; every province keeps its largest part, Macau at 0.001 degrees), round to
0.01 degrees, orient exterior rings clockwise and holes counter-clockwise (d3-geo, behind
plotly's ``go.Choropleth``, fills the clockwise side of a ring) and write one Feature per province with
``properties.name`` (Chinese short name, e.g. 广东) as in the ECharts source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "omni_core" / "data" / "china_provinces.geojson"
TOLERANCE = 0.04  # degrees (a province panel is ~0.15 degree per pixel)
MIN_AREA = 0.005  # square degrees
DECIMALS = 2


def decode_ring(s: str, offset: list[int], scale: float) -> np.ndarray:
    """ECharts' decodePolygon: zig-zag + delta decoding of a character string."""
    prev_x, prev_y = offset
    out = []
    for i in range(0, len(s), 2):
        x = ord(s[i]) - 64
        y = ord(s[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)
        y = (y >> 1) ^ -(y & 1)
        x += prev_x
        y += prev_y
        prev_x, prev_y = x, y
        out.append((x / scale, y / scale))
    return np.array(out)


def douglas_peucker(p: np.ndarray, tol: float) -> np.ndarray:
    """Ramer-Douglas-Peucker simplification of a polyline (iterative)."""
    keep = np.zeros(len(p), bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(p) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        seg = p[b] - p[a]
        rel = p[a + 1 : b] - p[a]
        norm = np.hypot(*seg)
        if norm == 0:
            d = np.hypot(rel[:, 0], rel[:, 1])
        else:
            d = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        i = int(np.argmax(d))
        if d[i] > tol:
            m = a + 1 + i
            keep[m] = True
            stack += [(a, m), (m, b)]
    return p[keep]


def signed_area(ring: np.ndarray) -> float:
    """Shoelace area in square degrees, positive for counter-clockwise rings."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def area(ring: np.ndarray) -> float:
    return abs(signed_area(ring))


def wind(ring: list[list[float]], clockwise: bool) -> list[list[float]]:
    """Orient a ring (plotly's geo traces, d3-geo, fill the clockwise side of a ring)."""
    ccw = signed_area(np.asarray(ring)) > 0
    return ring[::-1] if ccw == clockwise else ring


def simplify_ring(ring: np.ndarray, keep: bool = False) -> list[list[float]] | None:
    """Simplified closed ring, or None for an island below MIN_AREA (unless ``keep``)."""
    if area(ring) < MIN_AREA and not keep:
        return None
    closed = ring if np.allclose(ring[0], ring[-1]) else np.vstack([ring, ring[:1]])
    # split the closed ring in two halves so the end points are not the only anchors
    half = len(closed) // 2
    s = np.vstack([douglas_peucker(closed[: half + 1], TOLERANCE)[:-1],
                   douglas_peucker(closed[half:], TOLERANCE)])  # fmt: skip
    s = np.round(s, DECIMALS)
    s = s[np.r_[True, np.any(np.diff(s, axis=0) != 0, axis=1)]]
    if len(s) < 4:  # a tiny feature (Macau): keep its outline at 0.001 degrees
        if not keep:
            return None
        s = np.round(closed, 3)
    if not np.array_equal(s[0], s[-1]):
        s = np.vstack([s, s[:1]])
    return s.tolist()


def main(src: str) -> None:
    data = json.loads(Path(src).read_text(encoding="utf-8"))
    scale = float(data.get("UTF8Scale") or 1024)
    features = []
    for f in data["features"]:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        offs = g["encodeOffsets"] if g["type"] == "MultiPolygon" else [g["encodeOffsets"]]
        out = []
        decoded = [[decode_ring(r, o, scale) for r, o in zip(poly, off, strict=True)]
                   for poly, off in zip(polys, offs, strict=True)]  # fmt: skip
        largest = int(np.argmax([area(rings[0]) for rings in decoded]))
        for i, rings in enumerate(decoded):
            ext = simplify_ring(rings[0], keep=i == largest)  # every province keeps its main part
            if ext is None:
                continue
            holes = [wind(h, False) for h in map(simplify_ring, rings[1:]) if h is not None]
            out.append([wind(ext, True), *holes])
        name = f["properties"]["name"]
        geom = {"type": "MultiPolygon", "coordinates": out}
        features.append({"type": "Feature", "id": name, "properties": {"name": name},
                         "geometry": geom})  # fmt: skip
    fc = {"type": "FeatureCollection", "features": features}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    n = sum(len(r) for f in features for p in f["geometry"]["coordinates"] for r in p)
    print(f"{len(features)} features, {n} points, {OUT.stat().st_size / 1024:.0f} KB -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
