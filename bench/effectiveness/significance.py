#!/usr/bin/env python3
"""significance.py: paired randomisation test of two runs' per-query measures.

    significance.py BASE.eval RUN.eval [MEASURE...]

BASE and RUN are `search eval -q -c` outputs ("measure qid value" lines) over
the same queries. For each measure (default: map ndcg_cut_10) it prints

    measure base_mean run_mean p_value

(the means are eval's "all" lines) where p is the two-sided p-value of Fisher's paired randomisation test
(Smucker, Allan and Carterette, CIKM 2007): under the null hypothesis the
two runs are exchangeable per query, so each query's difference flips its
sign at random; p is the share of 20,000 such flips whose mean difference
is at least as far from 0 as the observed one (with 20,000 flips a p-value
near 0.05 is within about 0.003 of the exact one). The seed is fixed, so a
result repeats. Python's standard library only.
"""
import random
import sys

TRIALS = 20000


def read(path):
    """{measure: {qid: value}}, and {measure: the "all" line's value}."""
    per, all_ = {}, {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) != 3:
                continue
            try:
                v = float(p[2])
            except ValueError:
                continue
            if p[1] == "all":
                all_[p[0]] = v
            else:
                per.setdefault(p[0], {})[p[1]] = v
    return per, all_


def randomisation_p(diffs, rng):
    n = len(diffs)
    if n == 0:
        return 1.0
    observed = abs(sum(diffs))
    if observed == 0:
        return 1.0
    hits = 0
    for _ in range(TRIALS):
        s = 0.0
        for d in diffs:
            s += d if rng.random() < 0.5 else -d
        if abs(s) >= observed - 1e-12:
            hits += 1
    return (hits + 1) / (TRIALS + 1)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: significance.py BASE.eval RUN.eval [MEASURE...]\n")
        return 2
    (base, base_all), (run, run_all) = read(argv[1]), read(argv[2])
    for m in argv[3:] or ["map", "ndcg_cut_10"]:
        b, r = base.get(m, {}), run.get(m, {})
        if set(b) != set(r) or not b:
            sys.stderr.write("significance.py: %s: the runs do not have the same queries\n" % m)
            return 2
        qs = sorted(b)
        diffs = [r[q] - b[q] for q in qs]
        p = randomisation_p(diffs, random.Random(20261206))
        # the means as eval printed them (its "all" line), else from the queries
        bm = base_all.get(m, sum(b[q] for q in qs) / len(qs))
        rm = run_all.get(m, sum(r[q] for q in qs) / len(qs))
        print("%s %.4f %.4f %.4f" % (m, bm, rm, p))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
