#!/usr/bin/env python3
"""Conformance vectors for the seven signals of docs/signals.md.

An implementation of the definitions in docs/signals.md that shares nothing with the engine:
plain loops over the whole history, no incremental state, no rolling sums. For each signal it
writes

    conformance/<signal>/ticks.csv     the input ticks
    conformance/<signal>/expected.csv  the rows the definition produces, after the key rule
    conformance/cases.md               which ticks.csv lines exercise which case

Python 3.11, standard library only. Run from anywhere: python3 conformance/generate.py
The output is deterministic: running it again gives the same bytes (CI does not run it; the
engine's ConformanceVectorsTest checks the engine against the committed files on every build).

How each definition is read, where docs/signals.md leaves room, is written next to the code
(look for "READING") and in conformance/README.md.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
PROVIDER = "conf"

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_DAY = 86_400 * US_PER_SECOND
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# READING of the key rule ("when several ticks share a ts, the stored row is the one computed at
# the last of them (highest seq)"). Refused ticks are "not used", so they never count as the last
# tick of a ts. When the last accepted tick of a (symbol, ts) computes no value (a crossed book,
# missing sizes) while an earlier tick of the same ts did:
#   "last-tick"  : the ts has no row (the row is the one computed at the last tick; it computed none)
#   "last-value" : the ts keeps the row of the latest tick that computed one (an upsert per value)
# The docs' words ("the one computed at the last of them", "the stored row of a ts is the one
# computed at its last tick") are read literally: "last-tick", as the project has decided (docs/signals.md,
# "One row per (symbol, ts, signal)"; the engine's SignalChain does the same). Only spread_bps and
# book_imbalance can tell the two apart (the other signals emit for all ticks of a ts or for none).
KEY_RULE = "last-tick"


# ---------------------------------------------------------------------------------------------
# Time and number formats
# ---------------------------------------------------------------------------------------------

def us(iso: str) -> int:
    """Epoch microseconds of an ISO-8601 UTC time such as 2025-11-03T14:30:00.250000."""
    dt = datetime.fromisoformat(iso).replace(tzinfo=timezone.utc)
    delta = dt - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def iso(micros: int) -> str:
    """2025-11-03T14:30:00.250000Z: always six fraction digits, always Z."""
    return (EPOCH + timedelta(microseconds=micros)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def num(x: float | None) -> str:
    """A double as text that reads back to the same bits: repr, NaN, Infinity; empty when absent."""
    if x is None:
        return ""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(float(x))


NAN = float("nan")
INF = float("inf")


# ---------------------------------------------------------------------------------------------
# Ticks and the rules common to every signal
# ---------------------------------------------------------------------------------------------

@dataclass
class Tick:
    symbol: str
    ts: int
    price: float
    size: float
    bid: float | None = None
    ask: float | None = None
    bid_size: float | None = None
    ask_size: float | None = None
    case: str = ""
    order: int = 0  # insertion order, gives seq within (symbol, ts)
    seq: int = 0
    line: int = 0   # line in ticks.csv (the header is line 1)


def accepted(t: Tick) -> bool:
    """docs/signals.md: rejected when the price is not a finite number > 0 or the size is not a finite number >= 0."""
    return math.isfinite(t.price) and t.price > 0 and math.isfinite(t.size) and t.size >= 0


def optional(x: float | None) -> float | None:
    """Optional values that are absent, NaN, infinite or negative count as absent (None)."""
    if x is None or math.isnan(x) or math.isinf(x) or x < 0:
        return None
    return x


def day(ts: int) -> int:
    return ts // US_PER_DAY


def minute_start(ts: int) -> int:
    return ts // US_PER_MINUTE * US_PER_MINUTE


class Vector:
    """The ticks of one signal's file, each tagged with the case it exercises."""

    def __init__(self, signal: str):
        self.signal = signal
        self.ticks: list[Tick] = []
        self.case_text: dict[str, str] = {}
        self.current = ""

    def case(self, label: str, text: str) -> None:
        self.current = label
        self.case_text.setdefault(label, text)

    def tick(self, symbol: str, ts: int | str, price: float, size: float, bid=None, ask=None, bid_size=None, ask_size=None) -> None:
        ts = us(ts) if isinstance(ts, str) else ts
        self.ticks.append(Tick(symbol, ts, price, size, bid, ask, bid_size, ask_size, self.current, len(self.ticks)))

    def ordered(self) -> list[Tick]:
        """The replay order (ts, symbol, seq); seq numbers the ticks of one (symbol, ts) 0, 1, 2... in insertion order."""
        out = sorted(self.ticks, key=lambda t: (t.ts, t.symbol, t.order))
        seen: dict[tuple[str, int], int] = {}
        for i, t in enumerate(out):
            t.seq = seen.get((t.symbol, t.ts), 0)
            seen[(t.symbol, t.ts)] = t.seq + 1
            t.line = i + 2
        return out


# ---------------------------------------------------------------------------------------------
# The definitions. Each takes the ticks in replay order and returns rows
# (symbol, ts, value, metadata...) in the order (ts, symbol).
# ---------------------------------------------------------------------------------------------

def per_tick(ticks: list[Tick], compute) -> list[tuple]:
    """A per-tick signal: compute(history, tick) -> (value, *metadata) or None for every accepted tick,
    with history = the symbol's accepted ticks so far, this one included. Then the key rule."""
    history: dict[str, list[Tick]] = {}
    last: dict[tuple[str, int], tuple | None] = {}
    for t in ticks:
        if not accepted(t):
            continue  # counted, not used, no signal: changes no state and is never "the last tick" of its ts
        h = history.setdefault(t.symbol, [])
        h.append(t)
        row = compute(h, t)
        key = (t.symbol, t.ts)
        if KEY_RULE == "last-tick":
            last[key] = row           # a tick that computes nothing leaves its ts without a row
        elif row is not None:
            last[key] = row
    rows = [(sym, ts) + row for (sym, ts), row in last.items() if row is not None]
    return sorted(rows, key=lambda r: (r[1], r[0]))


def vwap_deviation_bps(h: list[Tick], t: Tick):
    # S_pv and S_v over the day's accepted ticks up to and including this one, summed in processing order
    s_pv = 0.0
    s_v = 0.0
    for x in h:
        if day(x.ts) == day(t.ts):
            s_pv += x.price * x.size
            s_v += x.size
    if not s_v > 0:
        return None
    vwap = s_pv / s_v
    return ((t.price - vwap) / vwap * 10000, vwap, s_v)


def spread_bps(h: list[Tick], t: Tick):
    bid, ask = optional(t.bid), optional(t.ask)
    if bid is None or ask is None or not bid > 0 or not ask > 0 or not ask >= bid:
        return None
    mid = (ask + bid) / 2
    return ((ask - bid) / mid * 10000, mid, bid, ask)


def book_imbalance(h: list[Tick], t: Tick):
    bs, as_ = optional(t.bid_size), optional(t.ask_size)
    if bs is None or as_ is None or not (bs + as_) > 0:
        return None
    return ((bs - as_) / (bs + as_), bs, as_)


def tick_rate_zscore(h: list[Tick], t: Tick):
    b = t.ts // US_PER_SECOND
    c = 0
    for x in h:  # h ends with t: the ticks of bucket b up to and including this one
        if x.ts // US_PER_SECOND == b:
            c += 1
    s = 0
    q = 0
    for k in range(b - 60, b):
        n = 0
        for x in h:
            if x.ts // US_PER_SECOND == k:
                n += 1
        s += n
        q += n * n
    d = 60 * q - s * s  # exact integers
    if not d > 0:
        return None
    root = math.sqrt(float(d))
    return (float(60 * c - s) / root, float(c), s / 60, root / 60)


def bars_1m(ticks: list[Tick]):
    """Completed 1-minute bars per symbol, in the order they complete: (symbol, start, close, day_ticks)
    where day_ticks are the symbol's accepted ticks of the bar's UTC day before the bar's end, in
    processing order. A bar completes when an accepted tick of a later minute arrives or at the end."""
    open_bar: dict[str, tuple[int, float]] = {}  # symbol -> (start, close so far)
    history: dict[str, list[Tick]] = {}
    done = []

    def complete(sym: str):
        start, close = open_bar.pop(sym)
        end = start + US_PER_MINUTE
        day_ticks = [x for x in history[sym] if day(x.ts) == day(start) and x.ts < end]
        done.append((sym, start, close, day_ticks))

    for t in ticks:
        if not accepted(t):
            continue
        m = minute_start(t.ts)
        if t.symbol in open_bar and open_bar[t.symbol][0] < m:
            complete(t.symbol)
        open_bar[t.symbol] = (m, t.price)  # close = the last accepted tick's price by (ts, seq)
        history.setdefault(t.symbol, []).append(t)
    for sym in sorted(open_bar):
        complete(sym)
    return done


def rsi_14(ticks: list[Tick]) -> list[tuple]:
    closes: dict[str, list[float]] = {}
    rows = []
    for sym, start, close, _ in bars_1m(ticks):
        c = closes.setdefault(sym, [])
        c.append(close)
        if len(c) < 15:
            continue
        gains = [max(c[i] - c[i - 1], 0.0) for i in range(1, len(c))]
        losses = [max(-(c[i] - c[i - 1]), 0.0) for i in range(1, len(c))]
        avg_gain = 0.0
        avg_loss = 0.0
        for i in range(14):  # the plain means of the first 14, summed oldest first
            avg_gain += gains[i]
            avg_loss += losses[i]
        avg_gain /= 14
        avg_loss /= 14
        for i in range(14, len(gains)):  # Wilder's smoothing from the 16th bar on
            avg_gain = (avg_gain * 13 + gains[i]) / 14
            avg_loss = (avg_loss * 13 + losses[i]) / 14
        value = 100.0 if avg_loss == 0 else 100 - 100 / (1 + avg_gain / avg_loss)
        rows.append((sym, start, value, avg_gain, avg_loss, close))
    return sorted(rows, key=lambda r: (r[1], r[0]))


def bb_zscore_20(ticks: list[Tick]) -> list[tuple]:
    closes: dict[str, list[float]] = {}
    rows = []
    for sym, start, close, _ in bars_1m(ticks):
        c = closes.setdefault(sym, [])
        c.append(close)
        if len(c) < 20:
            continue
        x = c[-20:]
        # READING of "not emitted when sd20 = 0" (decided): not emitted when the 20 closes are all equal
        # (exact double equality). Their population sd is 0, although the doc's arithmetic (the sum oldest
        # first, / 20) gives twenty closes of 100.1 the mean 100.09999999999997 and an sd of 2.8e-14.
        if all(v == x[19] for v in x):
            continue
        total = 0.0
        for v in x:
            total += v
        mean = total / 20
        sq = 0.0
        for v in x:
            sq += (v - mean) ** 2
        sd = math.sqrt(sq / 20)
        if not sd > 0:
            continue
        rows.append((sym, start, (x[19] - mean) / sd, mean, sd, close))
    return sorted(rows, key=lambda r: (r[1], r[0]))


def volume_profile(ticks: list[Tick]) -> list[tuple]:
    rows = []
    for sym, start, close, day_ticks in bars_1m(ticks):
        below = 0.0
        at = 0.0
        total = 0.0
        for x in day_ticks:
            if x.price < close:
                below += x.size
            elif x.price == close:
                at += x.size
            total += x.size
        if not total > 0:
            continue
        rows.append((sym, start, (below + at / 2) / total, total, close))
    return sorted(rows, key=lambda r: (r[1], r[0]))


SIGNALS = {
    # name: (rows from ordered ticks, metadata names as docs/signals.md lists them)
    "vwap_deviation_bps": (lambda ticks: per_tick(ticks, vwap_deviation_bps), ["vwap", "day_volume"]),
    "spread_bps": (lambda ticks: per_tick(ticks, spread_bps), ["mid", "bid", "ask"]),
    "tick_rate_zscore": (lambda ticks: per_tick(ticks, tick_rate_zscore), ["count", "mean", "sd"]),
    "book_imbalance": (lambda ticks: per_tick(ticks, book_imbalance), ["bid_size", "ask_size"]),
    "rsi_14": (rsi_14, ["avg_gain", "avg_loss", "close"]),
    "bb_zscore_20": (bb_zscore_20, ["sma", "sd", "close"]),
    "volume_profile": (volume_profile, ["day_volume", "close"]),
}


# ---------------------------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------------------------

D1 = "2025-11-03"  # a Monday
D2 = "2025-11-04"
D4 = "2025-11-06"


def refused_ticks(v: Vector, symbol: str, ts: str, step_us: int = 1) -> None:
    """Every way a tick is refused, one tick each, step_us apart from ts on."""
    base = us(ts)
    bad = [(NAN, 1.0), (0.0, 1.0), (-100.0, 1.0), (INF, 1.0), (-INF, 1.0), (100.0, -1.0), (100.0, NAN), (100.0, INF)]
    for i, (price, size) in enumerate(bad):
        v.tick(symbol, base + i * step_us, price, size, 99.0, 101.0, 5.0, 5.0)


def vwap_vector() -> Vector:
    v = Vector("vwap_deviation_bps")
    v.case("warm-up", "first ticks of the day have size 0: S_v = 0, no row; the first sized tick gives the first value")
    v.tick("AAA", f"{D1}T14:30:00.000000", 100.00, 0.0)
    v.tick("AAA", f"{D1}T14:30:00.000001", 100.02, 0.0)
    v.tick("AAA", f"{D1}T14:30:00.500000", 100.01, 3.0)
    v.tick("AAA", f"{D1}T14:30:01.000000", 100.05, 1.0)
    v.case("symbols", "interleaved symbols keep their own sums; a tiny-price symbol (BBB) and a huge-price one (CCC)")
    v.tick("BBB", f"{D1}T14:30:00.500000", 0.0001, 1e6)
    v.tick("BBB", f"{D1}T14:30:01.500000", 0.00010002, 5e5)
    v.tick("CCC", f"{D1}T14:30:01.000000", 1e6, 1e6)
    v.tick("CCC", f"{D1}T14:30:01.000001", 1000001.5, 2e6)
    v.case("equal-ts", "three ticks at one ts: one row, computed at the last (its price, the VWAP of all three)")
    v.tick("AAA", f"{D1}T14:30:02.250000", 100.03, 2.0)
    v.tick("AAA", f"{D1}T14:30:02.250000", 100.07, 5.0)
    v.tick("AAA", f"{D1}T14:30:02.250000", 99.98, 1.0)
    v.tick("BBB", f"{D1}T14:30:02.250000", 0.00009999, 2e6)  # another symbol at the same ts: its own row
    v.tick("BBB", f"{D1}T14:30:02.250000", 0.0001, 1e-6)     # tiny size
    v.case("zero-size", "a size-0 tick after volume: accepted, emits its price against the unchanged VWAP")
    v.tick("AAA", f"{D1}T14:30:03.000000", 101.00, 0.0)
    v.tick("BBB", f"{D1}T14:30:03.000000", 0.00011, 0.0)
    v.case("refused", "NaN, 0, negative and infinite prices, negative, NaN and infinite sizes: no row, no state")
    refused_ticks(v, "AAA", f"{D1}T14:30:04.000000")
    v.tick("AAA", f"{D1}T14:30:05.000000", 100.04, 2.0)
    v.case("refused-last-of-ts", "a refused tick after an accepted one at the same ts: the accepted one's row stands")
    v.tick("AAA", f"{D1}T14:30:06.000000", 100.02, 1.0)
    v.tick("AAA", f"{D1}T14:30:06.000000", NAN, 5.0)
    v.tick("CCC", f"{D1}T14:30:06.000000", 999999.0, 3e6)
    v.tick("CCC", f"{D1}T14:30:06.000000", 999999.5, -1.0)
    v.case("quotes-ignored", "bid, ask and sizes, present, absent or invalid, do not matter")
    v.tick("AAA", f"{D1}T14:30:07.000000", 100.06, 1.0, 100.05, 100.07, 300.0, 200.0)
    v.tick("AAA", f"{D1}T14:30:08.000000", 100.06, 1.0, NAN, -1.0, INF, None)
    v.case("day-boundary", "the last microsecond of a UTC day, then midnight: the sums restart with the new day")
    v.tick("AAA", f"{D1}T23:59:59.999999", 100.50, 10.0)
    v.tick("BBB", f"{D1}T23:59:59.999999", 0.000105, 1e6)
    v.tick("AAA", f"{D2}T00:00:00.000000", NAN, 1.0)  # refused first tick of the new day
    v.tick("AAA", f"{D2}T00:00:00.000000", 100.60, 1.0)
    v.tick("AAA", f"{D2}T00:00:00.000001", 100.40, 1.0)
    v.tick("BBB", f"{D2}T00:00:00.000001", 0.000104, 0.0)  # new day begins with size 0: no row
    v.tick("BBB", f"{D2}T00:00:01.000000", 0.000103, 2e6)
    v.case("huge-finite", "prices of 1e300 with sizes of 100: products near 1e302 stay finite")
    v.tick("CCC", f"{D2}T10:00:00.000000", 1e300, 100.0)
    v.tick("CCC", f"{D2}T10:00:00.000001", 1.5e300, 100.0)
    v.tick("CCC", f"{D2}T10:00:01.000000", 9e299, 300.0)
    v.case("gap-days", "two days without ticks: the next tick starts a new day's sums")
    v.tick("AAA", f"{D4}T09:00:00.000000", 99.5, 4.0)
    v.tick("AAA", f"{D4}T09:00:00.100000", 99.7, 6.0)
    v.tick("CCC", f"{D4}T09:00:00.100000", 1e6, 1.0)
    return v


def spread_vector() -> Vector:
    v = Vector("spread_bps")
    t = 0

    def nxt() -> str:
        nonlocal t
        t += 1
        return (datetime.fromisoformat(f"{D1}T14:30:00") + timedelta(seconds=t)).isoformat(timespec="microseconds")

    v.case("ordered", "bid and ask present, > 0, ask >= bid")
    v.tick("AAA", nxt(), 100.0, 1.0, 99.99, 100.01)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.5, 100.25, 10.0, 20.0)
    v.case("locked", "ask == bid: 0")
    v.tick("AAA", nxt(), 100.0, 1.0, 100.0, 100.0)
    v.case("crossed", "ask < bid: no row")
    v.tick("AAA", nxt(), 100.0, 1.0, 100.02, 100.01)
    v.case("quotes-missing", "bid or ask absent (empty), NaN, infinite or negative: no row")
    v.tick("AAA", nxt(), 100.0, 1.0, None, 100.01)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.99, None)
    v.tick("AAA", nxt(), 100.0, 1.0, None, None, 5.0, 5.0)
    v.tick("AAA", nxt(), 100.0, 1.0, NAN, 100.01)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.99, INF)
    v.tick("AAA", nxt(), 100.0, 1.0, -1.0, 100.01)
    v.tick("AAA", nxt(), 100.0, 1.0, INF, INF)
    v.case("zero-quote", "a bid or ask of 0 is present but not > 0: no row")
    v.tick("AAA", nxt(), 100.0, 1.0, 0.0, 100.01)
    v.tick("AAA", nxt(), 100.0, 1.0, 0.0, 0.0)
    v.case("size-irrelevant", "a size-0 tick, and a tick without bid/ask sizes, still have a spread")
    v.tick("AAA", nxt(), 100.0, 0.0, 99.98, 100.02)
    v.tick("AAA", nxt(), 100.0, 5.0, 99.97, 100.03, None, None)
    v.case("refused", "refused ticks with a good book: no row")
    ts = nxt()
    refused_ticks(v, "AAA", ts)
    v.case("equal-ts", "three quotes at one ts: the row of the last")
    ts = nxt()
    v.tick("AAA", ts, 100.0, 1.0, 99.9, 100.1)
    v.tick("AAA", ts, 100.0, 1.0, 99.95, 100.05)
    v.tick("AAA", ts, 100.0, 1.0, 99.97, 100.03)
    v.case("equal-ts-last-refused", "a refused tick is not the last tick of its ts: the accepted one's row stands")
    ts = nxt()
    v.tick("AAA", ts, 100.0, 1.0, 99.9, 100.1)
    v.tick("AAA", ts, NAN, 1.0, 99.0, 101.0)
    v.case("equal-ts-first-silent", "the first tick of a ts has no spread (crossed), the last has one: the last's row")
    ts = nxt()
    v.tick("AAA", ts, 100.0, 1.0, 100.2, 100.1)
    v.tick("AAA", ts, 100.0, 1.0, 99.96, 100.04)
    v.case("equal-ts-last-silent", "key rule (decided, read literally): the last accepted tick of a ts has no spread (crossed book, "
           "missing bid) after one that had: the ts has no row (the row is the one computed at the last tick)")
    ts = nxt()
    v.tick("AAA", ts, 100.0, 1.0, 99.9, 100.1)
    v.tick("AAA", ts, 100.0, 1.0, 100.2, 100.1)
    ts = nxt()
    v.tick("BBB", ts, 0.0001, 1.0, 0.0001, 0.00010002)
    v.tick("BBB", ts, 0.0001, 1.0, None, 0.00010002)
    v.case("tiny", "quotes near 1e-4 and 1e-8")
    v.tick("BBB", f"{D1}T14:30:01", 0.0001, 1.0, 0.0001, 0.00010001)
    v.tick("BBB", f"{D1}T14:30:02", 0.0001, 1.0, 0.0001, 0.0001)
    v.tick("BBB", f"{D1}T14:30:03", 1.5e-8, 1.0, 1e-8, 2e-8)
    v.case("huge", "quotes near 1e6 and 1e300 (ask + bid stays finite)")
    v.tick("CCC", f"{D1}T14:30:01", 1e6, 1.0, 1e6, 1000000.5)
    v.tick("CCC", f"{D1}T14:30:02", 1e6, 1.0, 999999.25, 1000000.75, 1e6, 1e6)
    v.tick("CCC", f"{D1}T14:30:03", 1e300, 1.0, 1e300, 1.0001e300)
    v.case("day-boundary", "no state: the last microsecond of a day and midnight both have their spread")
    v.tick("AAA", f"{D1}T23:59:59.999999", 100.0, 1.0, 99.99, 100.01)
    v.tick("AAA", f"{D2}T00:00:00.000000", 100.0, 1.0, 99.98, 100.01)
    v.tick("CCC", f"{D2}T00:00:00.000000", 1e6, 1.0, 1e6, 1000001.0)
    return v


def imbalance_vector() -> Vector:
    v = Vector("book_imbalance")
    t = 0

    def nxt() -> str:
        nonlocal t
        t += 1
        return (datetime.fromisoformat(f"{D1}T14:30:00") + timedelta(seconds=t)).isoformat(timespec="microseconds")

    v.case("sizes", "both sizes present, sum > 0; one side 0 gives -1 or 1; equal sizes give 0")
    v.tick("AAA", nxt(), 100.0, 1.0, None, None, 300.0, 100.0)
    v.tick("AAA", nxt(), 100.0, 1.0, None, None, 0.0, 50.0)
    v.tick("AAA", nxt(), 100.0, 1.0, None, None, 50.0, 0.0)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.0, 101.0, 0.5, 0.25)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.0, 101.0, 7.0, 7.0)
    v.case("empty-book", "both sizes 0: the sum is not > 0, no row")
    v.tick("AAA", nxt(), 100.0, 1.0, 99.0, 101.0, 0.0, 0.0)
    v.case("quotes-missing", "a size absent (empty), NaN, infinite or negative: no row")
    v.tick("AAA", nxt(), 100.0, 1.0, 99.0, 101.0, None, 100.0)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.0, 101.0, 100.0, None)
    v.tick("AAA", nxt(), 100.0, 1.0)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.0, 101.0, -5.0, 100.0)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.0, 101.0, NAN, 100.0)
    v.tick("AAA", nxt(), 100.0, 1.0, 99.0, 101.0, 100.0, INF)
    v.case("prices-irrelevant", "a crossed or absent book, a size-0 trade: the sizes alone decide")
    v.tick("AAA", nxt(), 100.0, 1.0, 101.0, 99.0, 30.0, 10.0)
    v.tick("AAA", nxt(), 100.0, 0.0, None, None, 10.0, 30.0)
    v.case("refused", "refused ticks with good sizes: no row")
    refused_ticks(v, "AAA", nxt())
    v.case("equal-ts", "three books at one ts: the row of the last")
    ts = nxt()
    v.tick("AAA", ts, 100.0, 1.0, None, None, 10.0, 20.0)
    v.tick("AAA", ts, 100.0, 1.0, None, None, 20.0, 10.0)
    v.tick("AAA", ts, 100.0, 1.0, None, None, 25.0, 15.0)
    v.case("equal-ts-last-refused", "a refused tick is not the last tick of its ts: the accepted one's row stands")
    ts = nxt()
    v.tick("AAA", ts, 100.0, 1.0, None, None, 10.0, 40.0)
    v.tick("AAA", ts, 100.0, -2.0, None, None, 40.0, 10.0)
    v.case("equal-ts-first-silent", "the first tick of a ts has no imbalance, the last has one: the last's row")
    ts = nxt()
    v.tick("AAA", ts, 100.0, 1.0, None, None, 0.0, 0.0)
    v.tick("AAA", ts, 100.0, 1.0, None, None, 12.0, 4.0)
    v.case("equal-ts-last-silent", "key rule (decided, read literally): the last accepted tick of a ts has no imbalance (sizes 0 and 0, "
           "a size missing) after one that had: the ts has no row (the row is the one computed at the last tick)")
    ts = nxt()
    v.tick("AAA", ts, 100.0, 1.0, None, None, 10.0, 30.0)
    v.tick("AAA", ts, 100.0, 1.0, None, None, 0.0, 0.0)
    ts = nxt()
    v.tick("BBB", ts, 0.0001, 1.0, None, None, 1e-6, 3e-6)
    v.tick("BBB", ts, 0.0001, 1.0, None, None, None, 3e-6)
    v.case("tiny", "tiny sizes, down to the smallest positive double against 0")
    v.tick("BBB", f"{D1}T14:30:01", 0.0001, 1.0, None, None, 1e-6, 3e-6)
    v.tick("BBB", f"{D1}T14:30:02", 0.0001, 1.0, None, None, 5e-324, 0.0)
    v.tick("BBB", f"{D1}T14:30:03", 0.0001, 1.0, None, None, 1e-300, 3e-300)
    v.case("huge", "sizes of 1e15 and 1e300 (their sum stays finite)")
    v.tick("CCC", f"{D1}T14:30:01", 1e6, 1.0, None, None, 1e15, 3e15)
    v.tick("CCC", f"{D1}T14:30:02", 1e6, 1.0, None, None, 1e300, 2e300)
    v.case("day-boundary", "no state: the last microsecond of a day and midnight both have their imbalance")
    v.tick("AAA", f"{D1}T23:59:59.999999", 100.0, 1.0, None, None, 3.0, 1.0)
    v.tick("AAA", f"{D2}T00:00:00.000000", 100.0, 1.0, None, None, 1.0, 3.0)
    return v


def tick_rate_vector() -> Vector:
    v = Vector("tick_rate_zscore")
    # AAA: from 23:58:00 of D1 over midnight
    start = us(f"{D1}T23:58:00")
    v.case("warm-up", "the symbol's first second: every earlier bucket counts 0, S = Q = 0, no row; "
           "the next second has its first value")
    v.tick("AAA", start, 100.0, 1.0)
    v.tick("AAA", start, 100.0, 1.0)            # equal ts
    v.tick("AAA", start + 400_000, 100.0, 1.0)
    v.tick("AAA", start + US_PER_SECOND, 100.0, 1.0)
    v.case("varying", "0 to 3 ticks a second (some seconds empty), several ticks at one ts (one row: the last, "
           "with c counting them all), bucket edges at .999999 and .000000, across midnight (no reset)")
    pattern = [2, 0, 1, 3, 1, 0, 0, 2, 1, 1]
    for sec in range(2, 150):
        n = pattern[(sec * 7) % len(pattern)]
        b = start + sec * US_PER_SECOND
        if sec % 11 == 0:
            v.tick("AAA", b + 999_999, 100.0, 1.0)  # the last microsecond of the bucket
            continue
        for k in range(n):
            if sec % 5 == 0:
                v.tick("AAA", b + 250_000, 100.0, 1.0)  # all at one ts
            else:
                v.tick("AAA", b + k * 300_000, 100.0, 2.0 if k else 0.0)  # size 0 counts too
    v.case("refused", "refused ticks count in no bucket: alone in a second (that second counts 0) and among accepted ones")
    refused_ticks(v, "AAA", f"{D2}T00:00:31.000000", 10_000)
    v.tick("AAA", f"{D2}T00:00:32.000000", 100.0, 1.0)
    v.tick("AAA", f"{D2}T00:00:32.000001", NAN, 1.0)
    v.tick("AAA", f"{D2}T00:00:32.000002", 100.0, -1.0)
    v.tick("AAA", f"{D2}T00:00:32.000003", 100.0, 1.0)
    v.case("gap-60", "after the last tick at 00:00:32, silence until 00:01:32: bucket b-60 still holds ticks, a value")
    v.tick("AAA", f"{D2}T00:01:32.500000", 100.0, 1.0)
    v.case("gap-61", "then silence for 61 s: all 60 previous buckets are empty, no row; the second after has a value")
    v.tick("AAA", f"{D2}T00:02:33.000000", 100.0, 1.0)
    v.tick("AAA", f"{D2}T00:02:33.000000", 100.0, 1.0)
    v.tick("AAA", f"{D2}T00:02:34.000000", 100.0, 1.0)
    v.case("long-gap", "an hour later: no row in the first second, values after")
    v.tick("AAA", f"{D2}T01:05:00.000000", 100.0, 1.0)
    v.tick("AAA", f"{D2}T01:05:01.000000", 100.0, 1.0)
    v.tick("AAA", f"{D2}T01:05:01.500000", 100.0, 1.0)
    v.tick("AAA", f"{D2}T01:05:03.000000", 100.0, 1.0)

    v.case("flat", "BBB: one tick a second: values while the 60 buckets hold both 0s and 1s; none once all 60 hold 1 "
           "(the 61st second on), even when the current second has two ticks")
    b0 = us(f"{D1}T23:58:30.5")
    for sec in range(64):
        v.tick("BBB", b0 + sec * US_PER_SECOND, 0.0001, 1e6)
    v.tick("BBB", b0 + 63 * US_PER_SECOND + 100_000, 0.0001, 1e6)
    v.case("sparse", "CCC: a tick every 7 s with huge and tiny prices and sizes: prices play no part")
    c0 = us(f"{D1}T23:59:00.123456")
    for i in range(14):
        v.tick("CCC", c0 + i * 7 * US_PER_SECOND, 1e300 if i % 2 else 1e6, 0.0 if i % 3 == 0 else 1e-6)
    return v


def bars(v: Vector, symbol: str, minute: str, prices: list[float], sizes: list[float] | None = None, equal_last: bool = False) -> None:
    """Ticks inside one minute: spread over its seconds, the last at :59.999999 (with equal_last, the
    last two at the same ts, so that the close is the higher seq)."""
    m = us(minute)
    sizes = sizes or [1.0] * len(prices)
    n = len(prices)
    for i, (p, s) in enumerate(zip(prices, sizes)):
        if i == n - 1 or (equal_last and i == n - 2):
            ts = m + US_PER_MINUTE - 1
        else:
            ts = m + i * 7 * US_PER_SECOND + 1_000
        v.tick(symbol, ts, p, s)


def minutes(day_and_time: str, offsets: list[int]) -> list[str]:
    base = datetime.fromisoformat(day_and_time)
    return [(base + timedelta(minutes=o)).isoformat() for o in offsets]


WILDER = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28,
          46.00, 46.03, 46.41, 46.22, 45.64, 46.21, 46.25, 45.71, 46.45, 45.78, 45.35]


def rsi_vector() -> Vector:
    v = Vector("rsi_14")
    # AAA: 26 bars of the classic Wilder closes, with skipped minutes, midnight and an hours-long gap
    offs = [0, 1, 2, 5, 6, 7, 9, 10, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 25, 120, 121, 122, 126, 127, 128]
    ms = minutes(f"{D1}T23:45:00", offs)
    for i, (m, close) in enumerate(zip(ms, WILDER)):
        if i == 0:
            v.case("warm-up", "bars 1 to 14 give nothing; the 15th bar gives the first value (plain means of 14 gains "
                   "and losses), Wilder's smoothing after; minutes without ticks are skipped, not filled")
        if i == 15:
            v.case("day-boundary", "bars go on over midnight: no reset")
        if i == 20:
            v.case("gap", "an hour and a half without ticks: the next bar simply follows")
        if i == 3:
            v.case("equal-ts", "two ticks at the bar's last ts: the close is the higher seq")
            bars(v, "AAA", m, [close + 0.5, close + 0.25, 50.0, close], equal_last=True)
            continue
        if i == 7:
            v.case("refused", "refused ticks: the last tick of a minute (not the close), and alone in a minute (no bar)")
            bars(v, "AAA", m, [close - 0.3, close])
            refused_ticks(v, "AAA", (datetime.fromisoformat(m) + timedelta(seconds=59, microseconds=999_999)).isoformat(), 0)
            refused_ticks(v, "AAA", (datetime.fromisoformat(m) + timedelta(minutes=2, seconds=10)).isoformat())
            continue
        if i == 9:
            v.case("zero-size", "size-0 ticks are accepted: one is the close")
            bars(v, "AAA", m, [close + 1, close], [1.0, 0.0])
            continue
        if i in (0, 15, 20):
            pass
        else:
            v.case("bars", "ordinary bars of one to three ticks")
        bars(v, "AAA", m, [close + 0.1, close - 0.1, close][-(1 + i % 3):])
    # BBB: tiny prices, flat (no gain, no loss), then only gains, then a loss
    v.case("flat", "BBB: 15 equal tiny closes: avg_gain = avg_loss = 0 at the 15th bar, which the definition makes 100")
    for i, m in enumerate(minutes(f"{D1}T23:50:00", list(range(21)))):
        if i == 15:
            v.case("no-loss", "BBB: then tiny rises: avg_loss = 0 gives 100; then a fall and an unchanged close")
        close = 0.0001 if i < 15 else 0.0001 + (i - 14) * 1e-8 if i < 19 else 0.00010001
        bars(v, "BBB", m, [close])
    # CCC: huge prices, only losses first (RSI 0), then mixed
    v.case("no-gain", "CCC: huge prices that only fall for 15 bars: avg_gain = 0 gives 0; then mixed moves")
    for i, m in enumerate(minutes(f"{D1}T23:52:00", list(range(20)))):
        close = 1e6 - i * 1.25 if i < 15 else 1e6 + (i % 3) * 2.5
        bars(v, "CCC", m, [close + 0.5, close], [1e6, 2e6])
    return v


def bb_vector() -> Vector:
    v = Vector("bb_zscore_20")
    offs = [0, 1, 2, 5, 6, 7, 9, 10, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 25, 120, 121, 122, 126, 127, 128]
    ms = minutes(f"{D1}T23:45:00", offs)
    for i, (m, close) in enumerate(zip(ms, WILDER)):
        if i == 0:
            v.case("warm-up", "bars 1 to 19 give nothing, the 20th the first value; skipped minutes are not filled")
        if i == 15:
            v.case("day-boundary", "bars go on over midnight: no reset")
        if i == 20:
            v.case("gap", "an hour and a half without ticks: the next bar simply follows")
        if i == 4:
            v.case("equal-ts", "two ticks at the bar's last ts: the close is the higher seq")
            bars(v, "AAA", m, [close + 0.5, 10.0, close], equal_last=True)
            continue
        if i == 7:
            v.case("refused", "refused ticks: the last tick of a minute (not the close), and alone in a minute (no bar)")
            bars(v, "AAA", m, [close - 0.3, close])
            refused_ticks(v, "AAA", (datetime.fromisoformat(m) + timedelta(seconds=59, microseconds=999_999)).isoformat(), 0)
            refused_ticks(v, "AAA", (datetime.fromisoformat(m) + timedelta(minutes=2, seconds=10)).isoformat())
            continue
        if i not in (0, 15, 20):
            v.case("bars", "ordinary bars of one to three ticks")
        bars(v, "AAA", m, [close - 0.2, close + 0.2, close][-(1 + i % 3):])
    # BBB: flat closes that sum exactly (a power of two), then moves, tiny prices
    v.case("flat-exact", "BBB: 22 equal closes of 2^-13 (their sum is exact): sd = 0, no row; then a move")
    tiny = 2.0 ** -13
    ms = minutes(f"{D1}T23:50:00", list(range(26)))
    for i, m in enumerate(ms):
        if i == 22:
            v.case("tiny", "BBB: tiny closes after the flat run")
        close = tiny if i < 22 else tiny * (1 + (i - 21) * 1e-3)
        bars(v, "BBB", m, [close], [1e-6])
    # CCC: huge prices with moderate moves; then flat closes that are not exact in binary
    v.case("huge", "CCC: closes near 1e6 moving by 1.25 to 5")
    ms = minutes(f"{D2}T10:00:00", list(range(45)))
    moves = [0, 1.25, -2.5, 5, -1.25, 2.5, 0, -5, 3.75, 1.25]
    level = 1e6
    for i, m in enumerate(ms[:22]):
        level += moves[i % len(moves)]
        bars(v, "CCC", m, [level + 1, level])
    v.case("flat-inexact", "CCC: 23 equal closes of 100.1 (not exact in binary): summed oldest first, the mean would be "
           "100.09999999999997 and sd 2.8e-14, but the 20 closes are all equal: no row (see README)")
    for m in ms[22:45]:
        bars(v, "CCC", m, [100.1])
    return v


def profile_vector() -> Vector:
    v = Vector("volume_profile")
    v.case("close-vs-day", "volume below the close, half the volume at it, over the day's ticks up to the bar's end")
    bars(v, "AAA", f"{D1}T14:30:00", [10.0, 11.0, 10.0], [2.0, 3.0, 1.0])      # close 10: (0 + 3/2) / 6
    bars(v, "AAA", f"{D1}T14:31:00", [12.0], [6.0])                           # close 12: (6 + 6/2) / 12
    v.case("gap", "minutes without ticks; the tick that completes a bar is not counted in it")
    bars(v, "AAA", f"{D1}T14:35:00", [10.5, 10.75, 10.25], [4.0, 1.0, 2.0], equal_last=True)
    v.case("equal-ts", "the bar above ends with two ticks at one ts: the close is the higher seq (10.25)")
    bars(v, "AAA", f"{D1}T14:36:00", [10.75, 11.0], [2.0, 3.0])
    v.case("refused", "refused ticks: alone in a minute (no bar) and inside a bar (no volume, not the close)")
    refused_ticks(v, "AAA", f"{D1}T14:37:10")
    bars(v, "AAA", f"{D1}T14:38:00", [10.5, 11.0], [1.0, 1.0])
    refused_ticks(v, "AAA", f"{D1}T14:38:59.999999", 0)
    v.case("zero-size", "a size-0 tick is the close: its price decides, its volume is 0")
    bars(v, "AAA", f"{D1}T14:39:00", [10.6, 12.0], [1.0, 0.0])
    v.case("day-boundary", "the 23:59 bar completes at midnight on the day it belongs to; the new day counts only its own volume")
    bars(v, "AAA", f"{D1}T23:59:00", [10.9, 11.1], [5.0, 1.0])
    bars(v, "AAA", f"{D2}T00:00:00", [11.5], [1.0])
    bars(v, "AAA", f"{D2}T00:01:00", [11.4, 11.6], [2.0, 1.0])
    v.case("zero-volume-day", "a day whose first bar has only size-0 ticks: V(day) = 0, no row; the next bar has volume")
    bars(v, "AAA", f"{D4}T09:00:00", [10.0, 10.1], [0.0, 0.0])
    bars(v, "AAA", f"{D4}T09:01:00", [10.2, 10.0], [1.0, 3.0])
    v.case("exact-prices", "BBB: 0.1 + 0.2 = 0.30000000000000004 is above a close of 0.3, not at it; tiny prices and sizes")
    bars(v, "BBB", f"{D1}T14:30:00", [0.1 + 0.2, 0.3, 0.3], [1.0, 2.0, 4.0])
    bars(v, "BBB", f"{D1}T14:31:00", [0.30000000000000004], [1.0])
    bars(v, "BBB", f"{D1}T14:32:00", [0.0001, 0.00010001, 0.0001], [1e-6, 2e-6, 3e-6])
    v.case("huge", "CCC: prices near 1e6 and 1e300, sizes of 1e6 and 1e12")
    bars(v, "CCC", f"{D1}T14:30:00", [1e6, 1000000.5, 999999.5], [1e6, 1e12, 1e6])
    bars(v, "CCC", f"{D1}T14:31:00", [1e300, 1e6], [1.0, 1e6])
    bars(v, "CCC", f"{D1}T14:33:00", [1.5e300], [2.0])
    return v


VECTORS = [vwap_vector, spread_vector, tick_rate_vector, imbalance_vector, rsi_vector, bb_vector, profile_vector]


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

TICK_HEADER = ["provider", "symbol", "ts", "seq", "price", "size", "bid", "ask", "bid_size", "ask_size"]


def write_csv(path: str, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def ranges(lines: list[int]) -> str:
    out = []
    start = prev = None
    for n in lines:
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
        start = prev = n
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(out)


def main() -> None:
    md = ["# Conformance cases", "",
          "Generated by `generate.py`: which lines of each `ticks.csv` (the header is line 1) exercise which case.",
          "Rows of `expected.csv` are keyed by (symbol, ts); the case of a bar signal's row is the case of its bar's ticks.", ""]
    for make in VECTORS:
        v = make()
        name = v.signal
        compute, meta = SIGNALS[name]
        ticks = v.ordered()
        rows = compute(ticks)
        d = os.path.join(HERE, name)
        os.makedirs(d, exist_ok=True)
        write_csv(os.path.join(d, "ticks.csv"), TICK_HEADER,
                  [[PROVIDER, t.symbol, iso(t.ts), str(t.seq), num(t.price), num(t.size), num(t.bid), num(t.ask), num(t.bid_size),
                    num(t.ask_size)] for t in ticks])
        write_csv(os.path.join(d, "expected.csv"), ["symbol", "ts", "value"] + meta,
                  [[r[0], iso(r[1])] + [num(x) for x in r[2:]] for r in rows])
        refused = sum(1 for t in ticks if not accepted(t))
        md.append(f"## {name}")
        md.append("")
        md.append(f"{len(ticks)} ticks ({refused} refused), {len(rows)} expected rows, symbols "
                  f"{', '.join(sorted({t.symbol for t in ticks}))}.")
        md.append("")
        md.append("| case | ticks.csv lines | what it checks |")
        md.append("|---|---|---|")
        for label, text in v.case_text.items():
            lines = [t.line for t in ticks if t.case == label]
            md.append(f"| {label} | {ranges(lines)} | {text} |")
        md.append("")
        print(f"{name}: {len(ticks)} ticks, {len(rows)} rows")
    with open(os.path.join(HERE, "cases.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
