#!/usr/bin/env python3
"""Analyse the raw ptp_vmclock benchmark data written by the guest-side bench script.

Usage: bench/analyze.py DATA_DIR OUT_DIR [--smoke]

Reads DATA_DIR (formats below), writes OUT_DIR/results.md, OUT_DIR/accuracy.png and
OUT_DIR/read-cost.png. Exit status 0 on success, 1 on bad data in --smoke mode (or an
unusable DATA_DIR in any mode), 2 on bad usage.

Input files: whitespace-separated columns (tabs or spaces), no header line; lines whose
first non-blank character is '#' and blank lines are ignored. Times are ns unless the
column says otherwise. rep, call, sample, pinned, threads and errors must be decimal
integers; *_ns, t_s and reads_per_s may be integers or decimals (finite). One scaling row
per (rep, pinned, method, threads). conv_s and window_s are seconds (decimals allowed).

  meta                     key=value lines: kernel, date, smoke, guest_clocksource,
                           pinned, reps, any other key; note=... may repeat.
  cost.tsv                 rep method call cost_ns
                           method: ours_basic ours_ext kvm_basic realtime
  width.tsv                rep method call sample width_ns
                           method: ours_basic ours_ext kvm_basic
  scaling.tsv              rep pinned method threads reads_per_s errors
                           pinned: 0|1, method: ours kvm mock, threads: 1|2
                           (mock: the floor, below)
  floor-cost.tsv           as cost.tsv, measured with our module loaded with
  floor-width.tsv          transport=mock (its read is the guest's own clock: a TSC read
                           and a scaling, no host access): ours_basic and ours_ext there
                           are the floor around a page read; the guest's bench phase 5
  accuracy-METHOD.tsv      t_s err_ns   (t_s: float seconds since the discipline began)
  accuracy-METHOD.meta     key=value: conv_s, window_s, oracle, tool
                           METHOD: phc2sys_ours phc2sys_kvm chrony_phc_ours chrony_ntp
                           phc2sys_ours_tsc phc2sys_kvm_tsc (the guest on tsc)

Strictness: with --smoke every file above must exist (the floor's too), be non-empty and well-formed,
every method must have data (scaling: both methods at 1 and 2 threads for at least one
pinned value, and a pinned value that is present must be complete; pinned=0 may be
absent because the rig may lose the VM there), every accuracy series must have points
in its judged window and meta's reps must match cost.tsv; the first problem ends the run
with a message and exit status 1. Without --smoke a missing or empty file, a missing
method and a malformed line are reported in results.md ("not measured: REASON" and a
"Data problems" list) and the rest is analysed.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import FuncFormatter, NullLocator  # noqa: E402

COST_METHODS = ("ours_basic", "ours_ext", "kvm_basic", "realtime")
WIDTH_METHODS = ("ours_basic", "ours_ext", "kvm_basic")
SCALING_METHODS = ("ours", "kvm")
FLOOR_SCALING = "mock"      # scaling rows of the floor (our module with transport=mock)
ACC_METHODS = ("phc2sys_ours", "phc2sys_kvm", "chrony_phc_ours", "chrony_ntp",
               "phc2sys_ours_tsc", "phc2sys_kvm_tsc")
META_KEYS = ("kernel", "date", "smoke", "guest_clocksource", "pinned", "reps")
ACC_META_KEYS = ("conv_s", "window_s", "oracle", "tool")

COST_ANCHOR = "kvm_basic"
SCALING_ANCHOR = "kvm"
ACC_ANCHOR = "phc2sys_kvm"
TSC_ANCHOR = "phc2sys_kvm_tsc"   # the anchor of the methods measured with the guest on tsc
NTP = "chrony_ntp"
FLOOR = "realtime"

# The goals of the vmclock page (reads without a VM exit; issue "zero-exit reads"): a
# sample through the page costs at most 1/100 of one through ptp_kvm's hypercall, and
# two readers get 1.9x one reader's throughput where they can run at once (unpinned).
GOAL_COST_RATIO = 0.01      # ours/ptp_kvm read cost at most this
GOAL_SCALING = 1.9          # ours 2-reader/1-reader throughput at least this
KVM_NEAR_1X = (0.7, 1.3)    # what "ptp_kvm stays near 1x" is taken to mean
GOAL_NTP_FACTOR = 100.0     # PHC methods' RMS at most NTP's RMS / this
GOAL_TSC_FACTOR = 100.0     # under tsc: ours' RMS at most ptp_kvm's RMS / this

PRETTY = {
    "ours_basic": "ours PTP_SYS_OFFSET",
    "ours_ext": "ours PTP_SYS_OFFSET_EXTENDED",
    "kvm_basic": "ptp_kvm PTP_SYS_OFFSET",
    "realtime": "clock_gettime(REALTIME)",
    "ours": "ptp_vmclock (ours)",
    "mock": "ptp_vmclock, transport=mock (floor)",
    "mock_basic": "ours PTP_SYS_OFFSET, transport=mock (floor)",
    "mock_ext": "ours PTP_SYS_OFFSET_EXTENDED, transport=mock (floor)",
    "kvm": "ptp_kvm",
    "phc2sys_ours": "phc2sys on ptp_vmclock",
    "phc2sys_kvm": "phc2sys on ptp_kvm",
    "chrony_phc_ours": "chrony refclock PHC on ptp_vmclock",
    "chrony_ntp": "chrony NTP",
    "phc2sys_ours_tsc": "phc2sys on ptp_vmclock, guest on tsc (PRECISE)",
    "phc2sys_kvm_tsc": "phc2sys on ptp_kvm, guest on tsc (no PRECISE)",
}


# --------------------------------------------------------------------------- input


class DataError(Exception):
    """Bad input that ends the run (always in --smoke mode, rarely otherwise)."""


@dataclass
class Problems:
    """Collects data problems: raises in strict (--smoke) mode, records otherwise."""

    strict: bool
    items: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self, msg: str) -> None:
        """Record one problem, or raise DataError when strict."""
        if self.strict:
            raise DataError(msg)
        self.items.append(msg)
        print(f"analyze.py: warning: {msg}", file=sys.stderr)

    def note(self, msg: str) -> None:
        """Record a caveat that is never fatal."""
        self.notes.append(msg)
        print(f"analyze.py: note: {msg}", file=sys.stderr)


def _int(text: str) -> int:
    return int(text, 10)


def _num(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    def conv(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text
    return conv


def _int_choice(*allowed: int) -> Callable[[str], int]:
    def conv(text: str) -> int:
        value = _int(text)
        if value not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(map(str, allowed))}")
        return value
    return conv


Column = tuple[str, Callable[[str], object]]

COST_COLS: list[Column] = [("rep", _int), ("method", _choice(*COST_METHODS)),
                           ("call", _int), ("cost_ns", _num)]
WIDTH_COLS: list[Column] = [("rep", _int), ("method", _choice(*WIDTH_METHODS)),
                            ("call", _int), ("sample", _int), ("width_ns", _num)]
SCALING_COLS: list[Column] = [("rep", _int), ("pinned", _int_choice(0, 1)),
                              ("method", _choice(*SCALING_METHODS, FLOOR_SCALING)),
                              ("threads", _int_choice(1, 2)),
                              ("reads_per_s", _num), ("errors", _int)]
ACC_COLS: list[Column] = [("t_s", _num), ("err_ns", _num)]


def _data_lines(path: Path) -> Iterable[tuple[int, str]]:
    """Yield (line number, stripped line) for non-blank, non-comment lines."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for lineno, raw in enumerate(handle, 1):
            line = raw.strip()
            if line and not line.startswith("#"):
                yield lineno, line


def _check_file(path: Path, problems: Problems) -> str | None:
    """Return None if path is a non-empty regular file, else the reason it is not."""
    if not path.exists():
        reason = f"{path.name} is missing"
    elif not path.is_file():
        reason = f"{path.name} is not a regular file"
    elif path.stat().st_size == 0:
        reason = f"{path.name} is empty"
    else:
        return None
    problems.report(reason)
    return reason


def read_table(path: Path, cols: Sequence[Column],
               problems: Problems) -> tuple[list[dict], str | None]:
    """Read a whitespace-separated table; return (rows, reason it is unusable or None)."""
    reason = _check_file(path, problems)
    if reason:
        return [], reason
    rows = []
    for lineno, line in _data_lines(path):
        fields = line.split()
        if len(fields) != len(cols):
            problems.report(f"{path.name}:{lineno}: expected {len(cols)} columns "
                            f"({' '.join(n for n, _ in cols)}), got {len(fields)}: {line!r}")
            continue
        row = {}
        try:
            for (name, conv), text in zip(cols, fields):
                row[name] = conv(text)
        except ValueError as exc:
            problems.report(f"{path.name}:{lineno}: column {name}: {exc}")
            continue
        rows.append(row)
    if not rows:
        reason = f"{path.name} has no valid data lines"
        problems.report(reason)
        return [], reason
    return rows, None


@dataclass
class KeyValues:
    """A key=value file: the last value of each key, and every note= line."""

    values: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, key: str, default: str = "?") -> str:
        """The value of key, or default."""
        return self.values.get(key, default)


def read_kv(path: Path, required: Sequence[str], problems: Problems) -> tuple[KeyValues, str | None]:
    """Read a key=value file and check that the required keys are present."""
    kv = KeyValues()
    reason = _check_file(path, problems)
    if reason:
        return kv, reason
    for lineno, line in _data_lines(path):
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or any(c.isspace() for c in key):
            problems.report(f"{path.name}:{lineno}: not a key=value line: {line!r}")
            continue
        if key == "note":
            kv.notes.append(value)
        else:
            kv.values[key] = value
    missing = [k for k in required if k not in kv.values]
    if missing:
        reason = f"{path.name} lacks key(s) {', '.join(missing)}"
        problems.report(reason)
        return kv, reason
    return kv, None


# ---------------------------------------------------------------------- statistics


def pct(values: np.ndarray, q: float) -> float:
    """The q-th percentile (linear interpolation)."""
    return float(np.percentile(values, q))


@dataclass
class Dist:
    """Order statistics of one sample."""

    n: int
    median: float
    p5: float
    p25: float
    p75: float
    p95: float

    @classmethod
    def of(cls, values: Sequence[float]) -> "Dist":
        """Compute the statistics of values (non-empty)."""
        arr = np.asarray(values, dtype=float)
        return cls(len(arr), pct(arr, 50), pct(arr, 5), pct(arr, 25), pct(arr, 75),
                   pct(arr, 95))


@dataclass
class RepSummary:
    """A per-rep statistic summarised over reps: median over reps and rep range."""

    per_rep: dict[int, float]

    @property
    def median(self) -> float:
        return float(np.median(list(self.per_rep.values())))

    @property
    def lo(self) -> float:
        return min(self.per_rep.values())

    @property
    def hi(self) -> float:
        return max(self.per_rep.values())

    @property
    def n(self) -> int:
        return len(self.per_rep)


@dataclass
class PerRepDist:
    """Per-rep distributions of one method and their summary over reps."""

    method: str
    reps: dict[int, Dist]
    pooled: np.ndarray

    def summary(self, attr: str) -> RepSummary:
        """The per-rep values of one Dist attribute (median, p5, ...) over reps."""
        return RepSummary({r: getattr(d, attr) for r, d in self.reps.items()})


def per_rep_dists(rows: list[dict], methods: Sequence[str], value: str) -> dict[str, PerRepDist]:
    """Group rows by method and rep; compute each rep's distribution of `value`."""
    grouped: dict[str, dict[int, list[float]]] = {}
    for row in rows:
        grouped.setdefault(row["method"], {}).setdefault(row["rep"], []).append(row[value])
    out = {}
    for method in methods:
        if method in grouped:
            reps = grouped[method]
            out[method] = PerRepDist(
                method, {r: Dist.of(v) for r, v in sorted(reps.items())},
                np.concatenate([np.asarray(v, dtype=float) for v in reps.values()]))
    return out


def per_rep_ratio(num: PerRepDist | None, den: PerRepDist | None) -> RepSummary | None:
    """Ratio of per-rep medians, num/den, over the reps both have (same time slice)."""
    if num is None or den is None:
        return None
    reps = sorted(set(num.reps) & set(den.reps))
    ratios = {r: num.reps[r].median / den.reps[r].median for r in reps
              if den.reps[r].median != 0}
    return RepSummary(ratios) if ratios else None


@dataclass
class AccStats:
    """Statistics of one accuracy series over its judged window."""

    method: str
    conv_s: float
    window_s: float
    oracle: str
    tool: str
    t: np.ndarray
    err: np.ndarray
    n: int = 0
    median: float = math.nan
    median_abs: float = math.nan
    rms: float = math.nan
    max_abs: float = math.nan
    p5: float = math.nan
    p95: float = math.nan
    covered: tuple[float, float] | None = None


def accuracy_stats(method: str, rows: list[dict], meta: KeyValues,
                   problems: Problems) -> tuple[AccStats | None, str | None]:
    """Compute the judged-window statistics of one accuracy series."""
    name = f"accuracy-{method}.meta"
    try:
        conv_s = _num(meta.get("conv_s"))
        window_s = _num(meta.get("window_s"))
        if conv_s < 0 or window_s <= 0:
            raise ValueError("conv_s must be >= 0 and window_s > 0")
    except ValueError as exc:
        reason = f"{name}: bad conv_s/window_s ({exc})"
        problems.report(reason)
        return None, reason
    order = sorted(rows, key=lambda r: r["t_s"])
    t = np.array([r["t_s"] for r in order], dtype=float)
    err = np.array([r["err_ns"] for r in order], dtype=float)
    stats = AccStats(method, conv_s, window_s, meta.get("oracle"), meta.get("tool"), t, err)
    mask = (t >= conv_s) & (t <= conv_s + window_s)
    judged = err[mask]
    if judged.size == 0:
        reason = (f"accuracy-{method}.tsv has no points in the judged window "
                  f"[{conv_s:g}, {conv_s + window_s:g}] s (series spans "
                  f"{t.min():g}..{t.max():g} s)")
        problems.report(reason)
        return None, reason
    stats.n = int(judged.size)
    stats.median = float(np.median(judged))
    stats.median_abs = float(np.median(np.abs(judged)))
    stats.rms = float(np.sqrt(np.mean(judged ** 2)))
    stats.max_abs = float(np.max(np.abs(judged)))
    stats.p5, stats.p95 = pct(judged, 5), pct(judged, 95)
    stats.covered = (float(t[mask].min()), float(t[mask].max()))
    span = stats.covered[1] - stats.covered[0]
    if span < 0.9 * window_s:
        problems.note(f"accuracy-{method}.tsv covers only {stats.covered[0]:g}.."
                        f"{stats.covered[1]:g} s of the judged window "
                        f"[{conv_s:g}, {conv_s + window_s:g}] s")
    return stats, None


@dataclass
class ScalingCell:
    """One (pinned, method): reads/s per rep at 1 and 2 threads, and errors."""

    pinned: int
    method: str
    rate: dict[int, RepSummary]          # threads -> per-rep reads/s
    ratio: RepSummary | None             # per-rep 2-thread/1-thread
    errors: dict[int, int]               # threads -> total errors


def scaling_cells(rows: list[dict], problems: Problems) -> dict[tuple[int, str], ScalingCell]:
    """Group scaling rows into cells keyed (pinned, method)."""
    table: dict[tuple[int, str, int], dict[int, float]] = {}
    errors: dict[tuple[int, str, int], int] = {}
    for row in rows:
        key = (row["pinned"], row["method"], row["threads"])
        reps = table.setdefault(key, {})
        if row["rep"] in reps:
            problems.report(f"scaling.tsv: duplicate row for rep {row['rep']} pinned "
                            f"{key[0]} {key[1]} threads {key[2]}; the first one is kept")
            continue
        reps[row["rep"]] = row["reads_per_s"]
        errors[key] = errors.get(key, 0) + row["errors"]
    cells = {}
    for pinned in (0, 1):
        for method in (*SCALING_METHODS, FLOOR_SCALING):
            rate = {th: RepSummary(table[(pinned, method, th)]) for th in (1, 2)
                    if (pinned, method, th) in table}
            if not rate:
                continue
            ratio = None
            if 1 in rate and 2 in rate:
                reps = sorted(set(rate[1].per_rep) & set(rate[2].per_rep))
                vals = {r: rate[2].per_rep[r] / rate[1].per_rep[r] for r in reps
                        if rate[1].per_rep[r] > 0}
                ratio = RepSummary(vals) if vals else None
            cells[(pinned, method)] = ScalingCell(
                pinned, method, rate, ratio,
                {th: errors.get((pinned, method, th), 0) for th in rate})
    return cells


# ------------------------------------------------------------------------ loading


@dataclass
class Data:
    """Everything read from DATA_DIR, with the reason for each part that is absent."""

    meta: KeyValues
    cost: dict[str, PerRepDist]
    width: dict[str, PerRepDist]
    floor_cost: dict[str, PerRepDist]    # cost with transport=mock (floor-cost.tsv)
    floor_width: dict[str, PerRepDist]
    scaling: dict[tuple[int, str], ScalingCell]
    accuracy: dict[str, AccStats]
    absent: dict[str, str]           # part -> "REASON" it is not measured
    problems: Problems


def _load_per_method(path: Path, cols: Sequence[Column], methods: Sequence[str], value: str,
                     kind: str, problems: Problems,
                     absent: dict[str, str]) -> tuple[list[dict], dict[str, PerRepDist]]:
    """Read cost.tsv or width.tsv; record in absent each method without data."""
    rows, reason = read_table(path, cols, problems)
    dists = per_rep_dists(rows, methods, value)
    for method in methods:
        if method not in dists:
            why = reason or f"{path.name} has no rows for {method}"
            if not reason:
                problems.report(why)
            absent[f"{kind}:{method}"] = why
    return rows, dists


def load(data_dir: Path, smoke: bool) -> Data:
    """Read and check every input file; raise DataError on fatal problems."""
    if not data_dir.is_dir():
        raise DataError(f"DATA_DIR {data_dir} is not a directory")
    problems = Problems(strict=smoke)
    absent: dict[str, str] = {}

    meta, reason = read_kv(data_dir / "meta", META_KEYS, problems)
    if reason and not meta.values:
        absent["meta"] = reason

    cost_rows, cost = _load_per_method(data_dir / "cost.tsv", COST_COLS, COST_METHODS,
                                       "cost_ns", "cost", problems, absent)
    _, width = _load_per_method(data_dir / "width.tsv", WIDTH_COLS, WIDTH_METHODS,
                                "width_ns", "width", problems, absent)

    floor_absent: dict[str, str] = {}
    _, floor_cost = _load_per_method(data_dir / "floor-cost.tsv", COST_COLS, COST_METHODS,
                                     "cost_ns", "cost", problems, floor_absent)
    _, floor_width = _load_per_method(data_dir / "floor-width.tsv", WIDTH_COLS,
                                      WIDTH_METHODS, "width_ns", "width", problems,
                                      floor_absent)
    absent.update({f"floor:{k}": v for k, v in floor_absent.items()})

    scaling_rows, reason = read_table(data_dir / "scaling.tsv", SCALING_COLS, problems)
    scaling = scaling_cells(scaling_rows, problems)
    complete = []
    for pinned in (0, 1):
        missing = [f"{m} threads={th}" for m in SCALING_METHODS for th in (1, 2)
                   if (pinned, m) not in scaling or th not in scaling[(pinned, m)].rate]
        if reason:
            absent[f"scaling:{pinned}"] = reason
        elif len(missing) == 2 * len(SCALING_METHODS):
            absent[f"scaling:{pinned}"] = f"scaling.tsv has no pinned={pinned} rows"
        elif missing:
            absent[f"scaling:{pinned}"] = (f"scaling.tsv pinned={pinned} lacks "
                                           + ", ".join(missing))
            problems.report(absent[f"scaling:{pinned}"])
        else:
            complete.append(pinned)
    if not complete and not reason:
        problems.report("scaling.tsv has no complete pinned value (both methods at "
                        "1 and 2 threads)")

    accuracy: dict[str, AccStats] = {}
    for method in ACC_METHODS:
        rows, reason = read_table(data_dir / f"accuracy-{method}.tsv", ACC_COLS, problems)
        if reason:
            absent[f"acc:{method}"] = reason
            continue
        ameta, reason = read_kv(data_dir / f"accuracy-{method}.meta", ACC_META_KEYS, problems)
        if reason and ("conv_s" not in ameta.values or "window_s" not in ameta.values):
            absent[f"acc:{method}"] = reason
            continue
        stats, reason = accuracy_stats(method, rows, ameta, problems)
        if stats is None:
            absent[f"acc:{method}"] = reason
        else:
            accuracy[method] = stats

    reps = meta.values.get("reps")
    seen = sorted({r["rep"] for r in cost_rows})
    if reps is not None and seen and reps != str(len(seen)):
        problems.report(f"meta says reps={reps} but cost.tsv has {len(seen)} rep(s)")
    if "smoke" in meta.values and meta.values["smoke"] != ("1" if smoke else "0"):
        problems.note(f"meta says smoke={meta.values['smoke']} but analyze.py ran "
                      f"{'with' if smoke else 'without'} --smoke")
    for pinned in complete:
        if ((pinned, FLOOR_SCALING) not in scaling
                or scaling[(pinned, FLOOR_SCALING)].ratio is None):
            absent[f"floor:scaling:{pinned}"] = (f"scaling.tsv pinned={pinned} lacks "
                                                 f"{FLOOR_SCALING} at 1 and 2 threads")
            problems.report(absent[f"floor:scaling:{pinned}"])
    return Data(meta, cost, width, floor_cost, floor_width, scaling, accuracy, absent,
                problems)


# ----------------------------------------------------------------------- formatting


def f_us(ns: float) -> str:
    """ns -> microseconds with 3 significant digits."""
    return f"{ns / 1000:.3g}"


def f_ns(ns: float) -> str:
    """ns with a readable precision."""
    if math.isnan(ns):
        return "n/a"
    return f"{ns:,.0f}" if abs(ns) >= 1000 else f"{ns:.3g}"


def f_ratio(x: float) -> str:
    """A ratio: 3 decimals near 1, significant digits when tiny or huge."""
    if math.isnan(x) or math.isinf(x):
        return "n/a"
    if 0.01 <= abs(x) < 10:
        return f"{x:.3f}"
    return f"{x:.1f}" if 10 <= abs(x) < 1000 else f"{x:.3g}"


def f_goal(x: float) -> str:
    """A ratio compared with a goal threshold: enough digits to see which side it is."""
    return f"{x:.5g}"


def f_rate(x: float) -> str:
    """reads/s."""
    return f"{x:,.0f}"


def f_range(s: RepSummary, fmt: Callable[[float], str]) -> str:
    """'median (min..max over N reps)'."""
    return f"{fmt(s.median)} ({fmt(s.lo)}..{fmt(s.hi)}, {plural(s.n, 'rep')})"


def plural(n: int, word: str) -> str:
    """'1 rep', '5 reps'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def code(text: str) -> str:
    """A Markdown code span around arbitrary text."""
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def si_ns(x: float, _pos=None) -> str:
    """Tick label for a value in ns, with an SI time unit."""
    if x == 0:
        return "0"
    for scale, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1, "ns")):
        if abs(x) >= scale:
            return f"{x / scale:g} {unit}"
    return f"{x:g} ns"


# -------------------------------------------------------------------------- report


@dataclass
class Row:
    """One row of the main results table."""

    method: str
    metric: str
    median: str
    spread: str
    ratio: str


def dist_rows(dists, methods, key: str, metric: str, absent, p5_p95: bool) -> list[Row]:
    """Table rows of per-rep distributions (read cost or bracket width) per method."""
    rows: list[Row] = []
    anchor = dists.get(COST_ANCHOR)
    for method in methods:
        if method not in dists:
            rows.append(Row(method, metric,
                            f"not measured: {absent.get(key + ':' + method, '?')}", "", ""))
            continue
        pr = dists[method]
        med = pr.summary("median")
        ratio = per_rep_ratio(pr, anchor)
        spread = f"IQR {f_us(pr.summary('p25').median)}..{f_us(pr.summary('p75').median)}; "
        if p5_p95:
            spread += f"p5..p95 {f_us(pr.summary('p5').median)}..{f_us(pr.summary('p95').median)}; "
        spread += f"rep medians {f_us(med.lo)}..{f_us(med.hi)} ({plural(med.n, 'rep')})"
        rows.append(Row(
            method, metric, f_us(med.median), spread,
            "1 (anchor)" if method == COST_ANCHOR else
            (f_range(ratio, f_ratio) if ratio else "n/a")))
    return rows


def table_rows(d: Data) -> list[Row]:
    """Build the main table: read cost, bracket width, scaling, accuracy."""
    rows: list[Row] = []
    rows += dist_rows(d.cost, COST_METHODS, "cost", "read cost / sample (µs)", d.absent, True)
    rows += dist_rows(d.width, WIDTH_METHODS, "width", "bracket width (µs)", d.absent, False)
    # The floor: ours with transport=mock, against ptp_kvm measured in the same rounds.
    floor = {f"mock_{m[5:]}": d.floor_cost[m] for m in ("ours_basic", "ours_ext")
             if m in d.floor_cost}
    if COST_ANCHOR in d.floor_cost:
        floor[COST_ANCHOR] = d.floor_cost[COST_ANCHOR]
    floor_absent = {f"floor:mock_{m[5:]}": d.absent.get(f"floor:cost:{m}", "?")
                    for m in ("ours_basic", "ours_ext")}
    rows += dist_rows(floor, ("mock_basic", "mock_ext"), "floor",
                      "floor: read cost / sample (µs)", floor_absent, True)
    for pinned in (0, 1):
        if f"scaling:{pinned}" in d.absent and not any(
                (pinned, m) in d.scaling for m in SCALING_METHODS):
            rows.append(Row("ours, kvm", f"scaling, pinned={pinned}",
                            f"not measured: {d.absent[f'scaling:{pinned}']}", "", ""))
            continue
        for method in (*SCALING_METHODS, FLOOR_SCALING):
            c = d.scaling.get((pinned, method))
            a = d.scaling.get((pinned, SCALING_ANCHOR))
            if c is None:
                rows.append(Row(method, f"scaling, pinned={pinned}",
                                "not measured: no rows", "", ""))
                continue
            for th in (1, 2):
                if th not in c.rate:
                    continue
                s = c.rate[th]
                ratio = "1 (anchor)" if method == SCALING_ANCHOR else "n/a"
                if method != SCALING_ANCHOR and a and th in a.rate:
                    rr = {r: s.per_rep[r] / a.rate[th].per_rep[r]
                          for r in set(s.per_rep) & set(a.rate[th].per_rep)
                          if a.rate[th].per_rep[r] > 0}
                    if rr:
                        ratio = f_range(RepSummary(rr), f_ratio)
                rows.append(Row(method, f"reads/s, {th} thread{'s' if th > 1 else ''}, "
                                f"pinned={pinned}", f_rate(s.median),
                                f"reps {f_rate(s.lo)}..{f_rate(s.hi)} ({s.n}); "
                                f"errors {c.errors[th]}", ratio))
            if c.ratio:
                ratio = "1 (anchor)" if method == SCALING_ANCHOR else "n/a"
                if method != SCALING_ANCHOR and a and a.ratio:
                    ratio = f"{f_ratio(c.ratio.median / a.ratio.median)} (of medians)"
                rows.append(Row(method, f"scaling 2/1 threads, pinned={pinned}",
                                f_ratio(c.ratio.median),
                                f"reps {f_ratio(c.ratio.lo)}..{f_ratio(c.ratio.hi)} "
                                f"({c.ratio.n})", ratio))
    anc = d.accuracy.get(ACC_ANCHOR)
    for method in ACC_METHODS:
        s = d.accuracy.get(method)
        if s is None:
            rows.append(Row(method, "offset (ns)",
                            f"not measured: {d.absent.get('acc:' + method, '?')}", "", ""))
            continue
        win = f"window {s.conv_s:g}..{s.conv_s + s.window_s:g} s, n={s.n}"
        rows.append(Row(method, f"offset err (ns), {win}", f_ns(s.median),
                        f"p5..p95 {f_ns(s.p5)}..{f_ns(s.p95)}", ""))
        rows.append(Row(method, "|offset| (ns)", f_ns(s.median_abs),
                        f"max {f_ns(s.max_abs)}", ""))
        a_name = TSC_ANCHOR if method.endswith("_tsc") else ACC_ANCHOR
        a = d.accuracy.get(a_name)
        ratio = "1 (anchor)" if method == a_name else (
            f_ratio(s.rms / a.rms) if a and a.rms else "n/a")
        rows.append(Row(method, "offset RMS (ns) (single value)", f_ns(s.rms), "", ratio))
        ratio = "1 (anchor)" if method == a_name else (
            f_ratio(s.max_abs / a.max_abs) if a and a.max_abs else "n/a")
        rows.append(Row(method, "max |offset| (ns) (single value)", f_ns(s.max_abs), "",
                        ratio))
    return rows


def verdict(ok: bool) -> str:
    """MET / NOT MET."""
    return "**MET**" if ok else "**NOT MET**"


def goals(d: Data) -> list[str]:
    """Evaluate the three goals against the numbers; one Markdown bullet each."""
    out = []
    # (1) read cost
    for method in ("ours_basic", "ours_ext"):
        r = per_rep_ratio(d.cost.get(method), d.cost.get(COST_ANCHOR))
        label = f"(1) {method}/kvm_basic read cost <= {GOAL_COST_RATIO}"
        if r is None:
            why = d.absent.get(f"cost:{method}") or d.absent.get(f"cost:{COST_ANCHOR}") \
                or "no rep has both methods"
            out.append(f"- {label}: **NOT MEASURED** ({why})")
            continue
        allreps = "every rep" if r.hi <= GOAL_COST_RATIO else (
            "no rep" if r.lo > GOAL_COST_RATIO else
            f"{sum(v <= GOAL_COST_RATIO for v in r.per_rep.values())} of {r.n} reps")
        out.append(f"- {label}: {verdict(r.median <= GOAL_COST_RATIO)}: median of per-rep "
                   f"ratios {f_goal(r.median)} (reps {f_goal(r.lo)}..{f_goal(r.hi)}, "
                   f"{allreps} at or below {GOAL_COST_RATIO}); per-sample cost "
                   f"{f_us(d.cost[method].summary('median').median)} µs vs "
                   f"{f_us(d.cost[COST_ANCHOR].summary('median').median)} µs.")
    for method in ("ours_basic", "ours_ext"):
        r = per_rep_ratio(d.floor_cost.get(method), d.floor_cost.get(COST_ANCHOR))
        label = f"(1) floor: {method} with transport=mock / kvm_basic"
        if r is None:
            why = d.absent.get(f"floor:cost:{method}") \
                or d.absent.get(f"floor:cost:{COST_ANCHOR}") or "no rep has both methods"
            out.append(f"- {label}: not measured ({why}).")
            continue
        out.append(f"- {label}: median of per-rep ratios {f_goal(r.median)} (reps "
                   f"{f_goal(r.lo)}..{f_goal(r.hi)}); per-sample cost "
                   f"{f_us(d.floor_cost[method].summary('median').median)} µs vs "
                   f"{f_us(d.floor_cost[COST_ANCHOR].summary('median').median)} µs. The "
                   f"same ioctl whose read is the guest's own clock (a TSC read and a "
                   f"scaling, the work of a page read, and no host access): what the "
                   f"PTP core, the syscall and this rig cost around any read "
                   f"({'below' if r.median <= GOAL_COST_RATIO else 'above'} the "
                   f"{GOAL_COST_RATIO} goal).")
    # (2) scaling
    for pinned in (0, 1):
        ours = d.scaling.get((pinned, "ours"))
        kvm = d.scaling.get((pinned, "kvm"))
        label = f"(2) pinned={pinned}"
        if ours is None or kvm is None or ours.ratio is None or kvm.ratio is None:
            why = d.absent.get(f"scaling:{pinned}", "incomplete data")
            out.append(f"- {label}: ours >= {GOAL_SCALING}x from 1 to 2 readers, ptp_kvm "
                       f"near 1x: **NOT MEASURED** ({why})")
            continue
        figures = (f"ours {f_goal(ours.ratio.median)}x (reps {f_goal(ours.ratio.lo)}.."
                   f"{f_goal(ours.ratio.hi)}), ptp_kvm {f_goal(kvm.ratio.median)}x (reps "
                   f"{f_goal(kvm.ratio.lo)}..{f_goal(kvm.ratio.hi)}); errors ours "
                   f"{sum(ours.errors.values())}, ptp_kvm {sum(kvm.errors.values())}")
        if pinned == 1:
            out.append(f"- {label}: ours >= {GOAL_SCALING}x from 1 to 2 readers, ptp_kvm near "
                       f"1x: **NOT MEASURED** (meaningless here: both guest vCPUs "
                       f"time-share one host CPU, so two readers cannot run at the same "
                       f"time and no method can scale; figures for the record: {figures}).")
            continue
        lo, hi = KVM_NEAR_1X
        out.append(f"- {label}: ours >= {GOAL_SCALING}x from 1 to 2 readers: "
                   f"{verdict(ours.ratio.median >= GOAL_SCALING)}: {figures}.")
        floor = d.scaling.get((pinned, FLOOR_SCALING))
        if floor is None or floor.ratio is None:
            why = d.absent.get(f"floor:scaling:{pinned}", "no mock rows")
            out.append(f"- {label}: floor (transport=mock) scaling: not measured ({why}).")
        else:
            out.append(f"- {label}: floor: the same two readers with transport=mock (no "
                       f"host access) {f_goal(floor.ratio.median)}x (reps "
                       f"{f_goal(floor.ratio.lo)}..{f_goal(floor.ratio.hi)}): what this "
                       f"rig gives two readers that share nothing; ours is "
                       f"{f_goal(ours.ratio.median / floor.ratio.median)} of it.")
        out.append(f"- {label}: ptp_kvm stays near 1x (taken as {lo}..{hi}x): "
                   f"{verdict(lo <= kvm.ratio.median <= hi)}: ptp_kvm "
                   f"{f_goal(kvm.ratio.median)}x.")
    # (3) accuracy
    anc, ntp = d.accuracy.get(ACC_ANCHOR), d.accuracy.get(NTP)
    for method in ("phc2sys_ours", "chrony_phc_ours"):
        s = d.accuracy.get(method)
        for ref, refname, factor in ((anc, ACC_ANCHOR, 1.0), (ntp, NTP, GOAL_NTP_FACTOR)):
            rel = "RMS <= " + (f"{refname} RMS" if factor == 1 else
                               f"1/{factor:g} of {refname} RMS")
            label = f"(3) {method} {rel}"
            if s is None or ref is None:
                why = "; ".join(d.absent[k] for k in (f"acc:{method}", f"acc:{refname}")
                                if k in d.absent)
                out.append(f"- {label}: **NOT MEASURED** ({why})")
                continue
            limit = ref.rms / factor
            out.append(f"- {label}: {verdict(s.rms <= limit)}: RMS {f_ns(s.rms)} ns vs "
                       f"{refname} {f_ns(ref.rms)} ns (limit {f_ns(limit)} ns, ratio "
                       f"{f_goal(s.rms / ref.rms) if ref.rms else 'n/a'}); n={s.n} vs "
                       f"{ref.n}.")
    # (4) the guest on tsc: ours keeps PRECISE, ptp_kvm has none
    s, ref = d.accuracy.get("phc2sys_ours_tsc"), d.accuracy.get(TSC_ANCHOR)
    label = (f"(4) guest on tsc: phc2sys_ours_tsc RMS <= 1/{GOAL_TSC_FACTOR:g} of "
             f"{TSC_ANCHOR} RMS")
    if s is None or ref is None:
        why = "; ".join(d.absent[k] for k in ("acc:phc2sys_ours_tsc", f"acc:{TSC_ANCHOR}")
                        if k in d.absent)
        out.append(f"- {label}: **NOT MEASURED** ({why})")
    else:
        limit = ref.rms / GOAL_TSC_FACTOR
        out.append(f"- {label}: {verdict(s.rms <= limit)}: RMS {f_ns(s.rms)} ns vs "
                   f"{TSC_ANCHOR} {f_ns(ref.rms)} ns (limit {f_ns(limit)} ns, ratio "
                   f"{f_goal(s.rms / ref.rms) if ref.rms else 'n/a'}, i.e. "
                   f"{f_goal(ref.rms / s.rms) if s.rms else 'n/a'}x lower); n={s.n} vs "
                   f"{ref.n}. Both judged by ours' PRECISE (under tsc nothing else in the "
                   f"guest has exact cross timestamps).")
    return out


def accuracy_section(d: Data) -> list[str]:
    """Per-method accuracy detail with both ratio columns and the method metadata."""
    anc, ntp = d.accuracy.get(ACC_ANCHOR), d.accuracy.get(NTP)
    out = ["| method | n | median err (ns) | median \\|err\\| (ns) | RMS (ns) | "
           "max \\|err\\| (ns) | p5..p95 err (ns) | RMS / phc2sys_kvm | max / phc2sys_kvm | "
           "RMS / chrony_ntp | max / chrony_ntp |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]

    tsc_anc = d.accuracy.get(TSC_ANCHOR)

    def rel(a: float, ref: AccStats | None, attr: str) -> str:
        b = getattr(ref, attr) if ref else 0
        return f_ratio(a / b) if b else "n/a"

    for method in ACC_METHODS:
        s = d.accuracy.get(method)
        if s is None:
            out.append(f"| {method} | not measured: {cell(d.absent.get('acc:' + method, '?'))}"
                       " | | | | | | | | | |")
            continue
        out.append(f"| {method} | {s.n} | {f_ns(s.median)} | {f_ns(s.median_abs)} | "
                   f"{f_ns(s.rms)} | {f_ns(s.max_abs)} | {f_ns(s.p5)}..{f_ns(s.p95)} | "
                   f"{rel(s.rms, tsc_anc if method.endswith('_tsc') else anc, 'rms')} | "
                   f"{rel(s.max_abs, tsc_anc if method.endswith('_tsc') else anc, 'max_abs')} | "
                   f"{rel(s.rms, ntp, 'rms')} | {rel(s.max_abs, ntp, 'max_abs')} |")
    out.append("")
    out.append(f"The methods ending in _tsc ran with the guest on clocksource=tsc; their "
               f"\"/ phc2sys_kvm\" columns are relative to {TSC_ANCHOR}, measured the same way.")
    out.append("")
    for method in ACC_METHODS:
        s = d.accuracy.get(method)
        if s is not None:
            out.append(f"- {method}: judged window {s.conv_s:g}..{s.conv_s + s.window_s:g} s "
                       f"(data {s.covered[0]:g}..{s.covered[1]:g} s; series "
                       f"{s.t.min():g}..{s.t.max():g} s, {len(s.t)} points); oracle "
                       f"{code(s.oracle)}; tool {code(s.tool)}")
    return out


def cost_section(d: Data) -> list[str]:
    """Read-cost detail: floor ratios and per-rep medians."""
    out = []
    floor = d.cost.get(FLOOR)
    if floor is None:
        out.append(f"- realtime floor: not measured: {d.absent.get('cost:' + FLOOR, '?')}")
    else:
        out.append(f"- realtime floor (one clock_gettime, no VM exit): "
                   f"{f_range(floor.summary('median'), f_us)} µs per call")
        for method in ("ours_basic", "ours_ext", "kvm_basic"):
            r = per_rep_ratio(d.cost.get(method), floor)
            if r:
                out.append(f"- {method} / realtime floor (per rep): {f_range(r, f_ratio)}")
    for method in COST_METHODS:
        pr = d.cost.get(method)
        if pr:
            meds = ", ".join(f"{r}: {f_us(x.median)}" for r, x in pr.reps.items())
            out.append(f"- {method} per-rep median cost (µs) [samples/rep "
                       f"{min(x.n for x in pr.reps.values())}..{max(x.n for x in pr.reps.values())}]: {meds}")
    for method in WIDTH_METHODS:
        pr = d.width.get(method)
        if pr:
            nonpos = int(np.sum(pr.pooled <= 0))
            extra = f"; {nonpos} sample(s) <= 0 ns" if nonpos else ""
            out.append(f"- {method} bracket width (µs): median over reps "
                       f"{f_range(pr.summary('median'), f_us)}, p95 "
                       f"{f_us(pr.summary('p95').median)}{extra}")
    return out


def write_results(d: Data, out_dir: Path, smoke: bool) -> Path:
    """Write OUT_DIR/results.md."""
    kernel, date = d.meta.get("kernel"), d.meta.get("date")
    lines = ["# ptp_vmclock benchmark results" + (" (smoke run)" if smoke else ""), ""]
    if "meta" in d.absent:
        lines.append(f"Run metadata: not measured: {d.absent['meta']}")
    for key in META_KEYS:
        lines.append(f"- {key}: {cell(d.meta.get(key, 'not recorded'))}")
    for key, value in d.meta.values.items():
        if key not in META_KEYS:
            lines.append(f"- {key}: {cell(value)}")
    for note in d.meta.notes:
        lines.append(f"- note: {cell(note)}")
    lines += ["", "## Summary", "",
              "| method | metric | median | spread | ratio to anchor | kernel | date |",
              "|---|---|---|---|---|---|---|"]
    for r in table_rows(d):
        lines.append("| " + " | ".join(cell(x) or "—" for x in (r.method, r.metric, r.median,
                                                          r.spread, r.ratio, kernel, date))
                     + " |")
    lines += [
        "",
        "Absolute times come from a nested TCG rig (the guest's hypercalls are emulated, "
        "not run on hardware) and say nothing about production cost; only ratios taken "
        "within one run mean something.",
        "",
        "Anchors: read cost and bracket width relative to ptp_kvm (kvm_basic), scaling "
        "relative to ptp_kvm (kvm), accuracy relative to phc2sys on ptp_kvm (phc2sys_kvm; "
        "NTP below). Read-cost and width figures are computed per rep, then the median "
        "over reps is given with the range of the rep medians; ratios are taken per rep "
        "(same time slice of the run), then their median and min..max. Spread of read "
        "cost: medians over reps of each rep's IQR and p5..p95. Accuracy statistics "
        "cover t_s in [conv_s, conv_s + window_s]; err = guest CLOCK_REALTIME minus host "
        "time read through the oracle PHC.",
        "",
        "## Goals", "",
    ]
    lines += goals(d)
    lines += ["", "## Accuracy", ""] + accuracy_section(d)
    lines += ["", "## Read cost and bracket width", ""] + cost_section(d)
    lines += ["", "## Plots", "",
              "![Offset over time per method](accuracy.png)", "",
              "[accuracy.png](accuracy.png): offset over time per method; grey = "
              "convergence (excluded), green = judged window; right column zooms into the "
              "judged window on a linear axis.", "",
              "![Read cost and bracket width](read-cost.png)", "",
              "[read-cost.png](read-cost.png): read cost per sample and bracket width per "
              "method (all reps pooled; dots are rep medians).", ""]
    if d.problems.items:
        lines += ["## Data problems", ""] + [f"- {cell(p)}" for p in d.problems.items] + [""]
    if d.problems.notes:
        lines += ["## Data notes", ""] + [f"- {cell(p)}" for p in d.problems.notes] + [""]
    path = out_dir / "results.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- plots


def _symlog_ticks(ax, linthresh: float, maxabs: float) -> None:
    """At most ~5 labelled decades per sign on a symlog axis."""
    lo = int(math.floor(math.log10(linthresh)))
    hi = max(lo, int(math.ceil(math.log10(max(maxabs, linthresh)))))
    step = max(1, math.ceil((hi - lo + 1) / 5))
    decades = [10.0 ** e for e in range(lo, hi + 1, step)]
    ax.set_yticks(sorted([-x for x in decades] + [0.0] + decades))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(si_ns))


def plot_accuracy(d: Data, path: Path) -> None:
    """accuracy.png: full series (symlog) and the judged window (linear) per method."""
    fig, axes = plt.subplots(len(ACC_METHODS), 2, figsize=(14, 3.2 * len(ACC_METHODS)),
                             gridspec_kw={"width_ratios": [3, 2]}, squeeze=False)
    fig.suptitle(f"Guest CLOCK_REALTIME minus host time (oracle PHC), per method\n"
                 f"kernel {d.meta.get('kernel')}, {d.meta.get('date')}", fontsize=12)
    for row, method in enumerate(ACC_METHODS):
        full, zoom = axes[row]
        s = d.accuracy.get(method)
        if s is None:
            for ax in (full, zoom):
                ax.text(0.5, 0.5, f"{method}: not measured\n"
                        f"{d.absent.get('acc:' + method, '')}", ha="center", va="center",
                        transform=ax.transAxes, fontsize=10, wrap=True)
                ax.set_xticks([])
                ax.set_yticks([])
            full.set_title(f"{PRETTY[method]} ({method})")
            continue
        end = s.conv_s + s.window_s
        mask = (s.t >= s.conv_s) & (s.t <= end)
        judged_abs = np.abs(s.err[mask])
        linthresh = 10.0 ** math.floor(math.log10(max(1.0, pct(judged_abs, 95))))
        full.axvspan(min(0.0, s.t.min()), s.conv_s, color="0.85",
                     label=f"convergence 0..{s.conv_s:g} s (excluded)")
        full.axvspan(s.conv_s, end, color="tab:green", alpha=0.12,
                     label=f"judged window {s.conv_s:g}..{end:g} s")
        full.axhline(0, color="0.4", lw=0.8)
        full.plot(s.t, s.err, ".-", ms=2.5, lw=0.6, color="tab:blue")
        full.set_yscale("symlog", linthresh=linthresh, linscale=1.0)
        _symlog_ticks(full, linthresh, float(np.max(np.abs(s.err))))
        full.set_title(f"{PRETTY[method]} ({method}): whole run, symlog "
                       f"(linear within ±{si_ns(linthresh)})", fontsize=10)
        full.set_ylabel("offset (ns, shown with units)")
        full.grid(True, alpha=0.3)
        full.legend(loc="upper right", fontsize=8, framealpha=0.9)

        lo, hi = float(s.err[mask].min()), float(s.err[mask].max())
        pad = max(hi - lo, 1.0)
        if lo - 0.1 * pad <= 0 <= hi + 0.4 * pad:
            zoom.axhline(0, color="0.4", lw=0.8)
        zoom.set_ylim(lo - 0.1 * pad, hi + 0.4 * pad)   # headroom for the legend
        zoom.plot(s.t[mask], s.err[mask], ".-", ms=3, lw=0.6, color="tab:blue")
        zoom.axhline(s.median, color="tab:orange", lw=1, ls="--",
                     label=f"median {f_ns(s.median)} ns")
        zoom.axhspan(s.p5, s.p95, color="tab:orange", alpha=0.12,
                     label=f"p5..p95 {f_ns(s.p5)}..{f_ns(s.p95)} ns")
        zoom.set_xlim(s.conv_s, end)
        zoom.set_title(f"judged window, linear: n={s.n}, RMS {f_ns(s.rms)} ns, "
                       f"max |err| {f_ns(s.max_abs)} ns", fontsize=10)
        zoom.set_ylabel("offset (ns)")
        zoom.grid(True, alpha=0.3)
        zoom.legend(loc="upper right", fontsize=8, ncol=2, framealpha=0.9)
        zoom.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"
                                                     if abs(x) >= 1000 or x == int(x)
                                                     else f"{x:g}"))
    for ax in axes[-1]:
        ax.set_xlabel("time since the discipline started (s)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _boxes(ax, dists: dict[str, PerRepDist], methods: Sequence[str], absent: dict[str, str],
           kind: str, title: str) -> None:
    """One log-scale box plot in µs, rep medians as dots, median and ratio labelled."""
    pos = np.arange(1, len(methods) + 1)
    labels, boxes, box_pos = [], [], []
    labelled = False
    for p, method in zip(pos, methods):
        pr = dists.get(method)
        name = PRETTY[method].replace(" PTP_", "\nPTP_").replace("(REALTIME)", "\n(REALTIME)")
        vals = pr.pooled[pr.pooled > 0] / 1000.0 if pr is not None else np.array([])
        if not len(vals):
            labels.append(f"{name}\n(not measured)")
            why = absent.get(f"{kind}:{method}", "all values are <= 0 ns")
            ax.text(p, 0.5, "not measured:\n" + textwrap.fill(why, 22),
                    transform=ax.get_xaxis_transform(), ha="center", va="center",
                    fontsize=7)
            continue
        ratio = per_rep_ratio(pr, dists.get(COST_ANCHOR))
        rtext = "anchor" if method == COST_ANCHOR else (
            f"{f_ratio(ratio.median)}× ptp_kvm" if ratio else "")
        labels.append(f"{name}\nn={len(pr.pooled)}\n{rtext}")
        boxes.append(vals)
        box_pos.append(p)
        meds = [x.median / 1000.0 for x in pr.reps.values() if x.median > 0]
        if meds:
            jitter = np.linspace(-0.12, 0.12, len(meds)) if len(meds) > 1 else [0.0]
            ax.scatter(p + np.asarray(jitter), meds, s=18, color="tab:blue", zorder=3,
                       label=None if labelled else "rep medians")
            labelled = True
            ax.annotate(f"{np.median(meds):.3g} µs", (p + 0.28, np.median(meds)),
                        fontsize=8, va="center")
    if boxes:
        ax.boxplot(boxes, positions=box_pos, whis=(5, 95), widths=0.5, showfliers=True,
                   flierprops={"markersize": 2, "alpha": 0.4},
                   medianprops={"color": "tab:red", "lw": 1.5})
        ax.set_yscale("log")
        every = np.concatenate(boxes)
        ax.set_ylim(every.min() / 1.5, every.max() * 2.0)  # room for the legend
        plain = FuncFormatter(lambda x, _p: f"{x:g}")
        ax.yaxis.set_major_formatter(plain)
        low, high = ax.get_ylim()
        if high / low < 30:  # narrow range: label the minor ticks too
            ax.yaxis.set_minor_formatter(plain)
            ax.tick_params(axis="y", which="minor", labelsize=8)
        ax.set_ylabel("µs per sample (log scale)")
    else:
        ax.set_yticks([])
    ax.set_xticks(pos)
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.set_xlim(0.4, len(methods) + 0.9)
    if labelled:
        ax.legend(loc="upper left", fontsize=8)


def plot_read_cost(d: Data, path: Path) -> None:
    """read-cost.png: cost per sample and bracket width distributions per method."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 6),
                                      gridspec_kw={"width_ratios": [4, 3]})
    fig.suptitle(f"Read cost per sample and bracket width (boxes: IQR, whiskers p5..p95, "
                 f"red: median; all reps pooled)\nkernel {d.meta.get('kernel')}, "
                 f"{d.meta.get('date')}, nested TCG rig: compare ratios only", fontsize=11)
    _boxes(left, d.cost, COST_METHODS, d.absent, "cost",
           "cost per sample: ioctl wall time / n_samples (realtime: one clock_gettime)")
    _boxes(right, d.width, WIDTH_METHODS, d.absent, "width",
           "bracket width per sample: post - pre system timestamp")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(
        description="Analyse ptp_vmclock benchmark data: writes results.md, accuracy.png "
                    "and read-cost.png into OUT_DIR.")
    parser.add_argument("data_dir", type=Path, metavar="DATA_DIR")
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny data: every file must be present, non-empty and "
                             "well-formed, else exit non-zero")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        data = load(args.data_dir, args.smoke)
    except DataError as exc:
        mode = " (--smoke)" if args.smoke else ""
        print(f"analyze.py: error{mode}: {args.data_dir}: {exc}", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    plot_accuracy(data, args.out_dir / "accuracy.png")
    plot_read_cost(data, args.out_dir / "read-cost.png")
    results = write_results(data, args.out_dir, args.smoke)
    print(f"analyze.py: wrote {results}, {args.out_dir / 'accuracy.png'}, "
          f"{args.out_dir / 'read-cost.png'}"
          + (f" ({len(data.problems.items)} data problem(s) listed)"
             if data.problems.items else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
