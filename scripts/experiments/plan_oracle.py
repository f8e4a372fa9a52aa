#!/usr/bin/env python3
"""How much any testing plan could still add (#15), on recorded compiles.

Reads the lines of scripts/experiments/plan-dump.patch (`NAME<TAB>{json}`,
files named like /tmp/plans.gbdt.tsv; see plan_replay.py for how to record
them) and prints, per (teacher, dataset, target), the median (smallest)
share of validation rows certified

- `cur`: by the plan rulec chose (select::plan), replayed on the recorded
  validation counts;
- `mc`: by a plan chosen under another model of the nested prefixes: each
  rule's new validation rows right independently, at its cautious rank-row
  estimate (select::PLAN_Z), 3,000 seeded draws, plans of up to three
  tests, the one with the most expected certified rows;
- `oracle`: by the one prefix that passes with the most rows, chosen with
  hindsight from the validation labels: no plan can certify more from this
  order (not a method: it reads the labels it tests).

and, per target, how many compiles certify nothing although some prefix
would have passed alone.

    python3 scripts/experiments/plan_oracle.py /tmp/plans.gbdt.tsv /tmp/plans.forest.tsv

Needs numpy and scipy. Measurement only.
"""
import sys, json, math, statistics, collections, functools
import numpy as np
from scipy.stats import beta, binom

@functools.lru_cache(maxsize=None)
def min_correct(n, p, alpha):
    if n == 0: return None
    lb = lambda k: 0.0 if k == 0 else beta.ppf(alpha, k, n - k + 1)
    if lb(n) < p: return None
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if lb(mid) >= p: hi = mid
        else: lo = mid + 1
    return hi

def wilson_lower_z(right, n, z):
    if n <= 0: return 1.0
    ph = right / n
    d = 1 + z*z/n
    c = ph + z*z/(2*n)
    r = z*math.sqrt(ph*(1-ph)/n + z*z/(4*n*n))
    return max(0.0, (c - r)/d)

def certified(planned, s, k, p, c):
    kept = 0
    for j in planned:
        need = min_correct(s[j], p, 1-c)
        if need is None or k[j] < need: break
        kept = s[j]
    return kept

def mc_plan(d, z=0.25, M=3000, maxlen=3, seed=0):
    s, g, p, c = d['s'], d['g'], d['p'], d['c']
    m = len(s)
    if m == 0: return []
    rng = np.random.default_rng(seed)
    v = np.diff([0] + s)
    q = np.array([wilson_lower_z(gc, gn, z) if gn > 0 else 1.0 for gn, gc in g[:m]])
    inc = rng.binomial(v[None, :].repeat(M, 0), q[None, :].repeat(M, 0))
    K = inc.cumsum(1)
    need = np.array([min_correct(s[j], p, 1-c) if min_correct(s[j], p, 1-c) is not None else 10**12 for j in range(m)])
    P = K >= need[None, :]
    cand = [j for j in range(m) if P[:, j].any()]
    best = (0.0, [])
    S = np.array(s, dtype=float)
    # plans up to maxlen tests
    def rec(plan, alive, value):
        nonlocal best
        if value > best[0]: best = (value, list(plan))
        if len(plan) == maxlen: return
        last = plan[-1] if plan else -1
        base = S[last] if plan else 0.0
        for j in cand:
            if j <= last or (plan and s[j] <= s[last]): continue
            a = alive & P[:, j] if plan else P[:, j]
            pr = a.mean()
            if pr == 0: continue
            rec(plan + [j], a, value + pr * (S[j] - base))
    rec([], np.ones(M, bool), 0.0)
    return best[1]

def main():
    rows = []
    for f in sys.argv[1:]:
        for line in open(f):
            name, js = line.rstrip('\n').split('\t', 1)
            d = json.loads(js)
            rows.append((f.split('.')[-2], name, d))
    per = collections.defaultdict(lambda: [[], [], []])
    for teacher, name, d in rows:
        n = d['n']
        cur = certified(d['plan'], d['s'], d['k'], d['p'], d['c'])
        mc = certified(mc_plan(d), d['s'], d['k'], d['p'], d['c'])
        orc = max([d['s'][j] for j in range(len(d['s'])) if certified([j], d['s'], d['k'], d['p'], d['c'])] + [0])
        key = (teacher, name, d['p'])
        per[key][0].append(cur / n); per[key][1].append(mc / n); per[key][2].append(orc / n)
    tot = [0, 0, 0, 0, 0, 0]
    for key in sorted(per):
        a, b, o = per[key]
        ma, mb, mo = statistics.median(a), statistics.median(b), statistics.median(o)
        tot[0] += ma; tot[1] += mb; tot[2] += mo; tot[3] += min(a); tot[4] += min(b); tot[5] += min(o)
        if abs(ma - mb) > 0.005 or abs(min(a) - min(b)) > 0.005:
            print(f'{key[0]:6} {key[1]:16} {key[2]}: cur {ma:.3f} ({min(a):.3f})  mc {mb:.3f} ({min(b):.3f})  oracle {mo:.3f}')
    print('medians cur %.2f mc %.2f oracle %.2f | mins cur %.2f mc %.2f oracle %.2f' % tuple(tot))
    missed = collections.Counter()
    for teacher, name, d in rows:
        cur = certified(d['plan'], d['s'], d['k'], d['p'], d['c'])
        orc = max([d['s'][j] for j in range(len(d['s']))
                   if certified([j], d['s'], d['k'], d['p'], d['c'])] + [0])
        state = ('nothing, and no prefix would pass alone' if orc == 0
                 else 'nothing, though a prefix would pass alone' if cur == 0
                 else 'less than the best prefix' if cur < orc else 'the best prefix')
        missed[(d['p'], state)] += 1
    for (p, state), count in sorted(missed.items()):
        print(f'target {p}: {count} compiles certify {state}')


if __name__ == '__main__':
    main()
