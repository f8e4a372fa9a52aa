#!/usr/bin/env python3
"""Replays the testing plan on recorded compiles (scripts/experiments/plan-dump.patch).

Reads lines `NAME<TAB>{json}` (one per compile: validation rows n, target p,
confidence c, per prefix its validation support s, the order's point
estimate e and the validation right count k, and per rule its new rank rows
and estimated right ones g) and prints:

1. how many validation errors the order's point estimates predicted against
   how many there were, per target, by the rule's place in the order and by
   how many rank rows it adds;
2. for the plan read at the point estimates and at a one-sided Wilson lower
   bound with each z given (select::PLAN_Z), the validation coverage the
   replayed fixed sequence certifies on the recorded counts: per
   (file, dataset, target), the median and smallest over seeds, and the
   lines that moved.

    python3 scripts/experiments/plan_replay.py [--z 0.25,0.5,0.75] PLANS.tsv...

Needs scipy (the exact test's Beta quantiles). Measurement only: the
recorded counts are validation labels, which nothing that chooses reads.
"""
import argparse, collections, functools, json, math, statistics

from scipy.stats import beta, binom


@functools.lru_cache(maxsize=None)
def min_correct(n, p, alpha):
    """The fewest right rows of n whose Clopper-Pearson bound reaches p."""
    if n == 0:
        return None
    lb = lambda k: 0.0 if k == 0 else beta.ppf(alpha, k, n - k + 1)
    if lb(n) < p:
        return None
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if lb(mid) >= p:
            hi = mid
        else:
            lo = mid + 1
    return hi


def chance(n, p_hat, p, alpha):
    need = min_correct(n, p, alpha)
    return 0.0 if need is None else float(binom.sf(need - 1, n, min(max(p_hat, 0.0), 1.0)))


def plan(s, e, p, c):
    """select::plan: the increasing sequence with the most expected support."""
    ch = [chance(s[j], e[j], p, 1 - c) for j in range(len(s))]
    m = len(s)
    best = [[None] * m for _ in range(m)]
    for j in range(m):
        if ch[j] <= 0:
            continue
        best[j][j] = (ch[j] * s[j], None)
        for i in range(j):
            if s[i] >= s[j]:
                continue
            for k in range(m):
                if best[i][k] is None:
                    continue
                low = j if ch[j] < ch[k] else k
                v = best[i][k][0] + ch[low] * (s[j] - s[i])
                if best[j][low] is None or v > best[j][low][0]:
                    best[j][low] = (v, (i, k))
    end = None
    for j in range(m):
        for k in range(m):
            if best[j][k] is not None and (end is None or best[j][k][0] > end[0]):
                end = (best[j][k][0], j, k)
    out, at = [], (end[1], end[2]) if end else None
    while at:
        out.append(at[0])
        at = best[at[0]][at[1]][1]
    return out[::-1]


def certified(planned, s, k, p, c):
    kept = 0
    for j in planned:
        need = min_correct(s[j], p, 1 - c)
        if need is None or k[j] < need:
            break
        kept = s[j]
    return kept


def wilson_lower(right, n, z):
    if n <= 0:
        return 0.0
    q = min(max(right / n, 0.0), 1.0)
    centre = q + z * z / (2 * n)
    margin = z * math.sqrt(q * (1 - q) / n + z * z / (4 * n * n))
    return min(max((centre - margin) / (1 + z * z / n), 0.0), 1.0)


def estimates(d, z):
    if z is None:
        return d["e"]
    out, n_all, right = [], 0, 0.0
    for n, r in d["g"]:
        n_all += n
        right += n * wilson_lower(r, n, z)
        out.append(right / n_all if n_all else 1.0)
    return out


def increments(s, e):
    out, ps, pr = [], 0, 0.0
    for j in range(len(s)):
        d = s[j] - ps
        out.append(min(max((e[j] * s[j] - pr) / d, 0.0), 1.0) if d > 0 else 1.0)
        ps, pr = s[j], e[j] * s[j]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--z", default="0.25,0.5,0.75")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    runs = []
    for f in a.files:
        for line in open(f):
            name, js = line.rstrip("\n").split("\t", 1)
            runs.append((f, name, json.loads(js)))
    print(f"{len(runs)} compiles")
    # 1. Predicted against real validation errors, per increment.
    errs = collections.defaultdict(lambda: [0, 0.0, 0])
    for _, _, d in runs:
        s, k = d["s"], d["k"]
        q = increments(s, d["e"])
        ps = pk = 0
        for j in range(len(s)):
            n, r = s[j] - ps, k[j] - pk
            if n > 0:
                place = "first rule" if j == 0 else "later rules"
                rank_rows = d["g"][j][0] if j < len(d["g"]) else 0
                size = "under 20 rank rows" if rank_rows < 20 else "20 rank rows or more"
                for key in [(d["p"], "all"), (d["p"], place), (d["p"], size)]:
                    b = errs[key]
                    b[0] += n
                    b[1] += n * (1 - q[j])
                    b[2] += n - r
            ps, pk = s[j], k[j]
    print("\ntarget, rules: validation rows, errors predicted, errors seen, seen/predicted")
    for key in sorted(errs):
        n, pe, re = errs[key]
        print(f"  {key[0]} {key[1]}: {n} rows, {pe:.0f}, {re}, {re / pe if pe else float('nan'):.2f}")
    # 2. The plan at the point estimates and at each z.
    def replay(z):
        out = collections.defaultdict(list)
        for f, name, d in runs:
            cov = 0.0
            if d["s"]:
                planned = plan(d["s"], estimates(d, z), d["p"], d["c"])
                cov = certified(planned, d["s"], d["k"], d["p"], d["c"]) / d["n"]
            out[(f, name, d["p"])].append(cov)
        return out
    base = replay(None)
    for z in [float(x) for x in a.z.split(",")]:
        new = replay(z)
        up = down = 0
        moved = []
        for key in sorted(base):
            b, n = base[key], new[key]
            mb, mn = statistics.median(b), statistics.median(n)
            if (mb, min(b)) != (mn, min(n)):
                moved.append(f"    {key[1]} ({key[0]}) {key[2]}: {mb:.3f} ({min(b):.3f}) -> {mn:.3f} ({min(n):.3f})")
                up += mn > mb
                down += mn < mb
        print(f"\nz = {z}: of {len(base)} lines, median up on {up}, down on {down}")
        print("\n".join(moved))


if __name__ == "__main__":
    main()
