#!/usr/bin/env python3
"""bench/phases.py TIMINGS.jsonl [TITLE]: the per-phase table of index builds.

Each line is what a build wrote with SEARCH_TIMINGS set (src/index/indexer.c),
with "corpus" and "run" added by bench/indexing.sh. Prints markdown: wall
seconds of the phases, which follow one another (pipeline, merge, finish,
commit), what the reading thread did during the pipeline, and each thread's
CPU seconds, from which its waiting follows (busy wall minus CPU is time it was
runnable but not running: the threads outnumbered the cores).
"""
import json
import sys


def row(d):
    r = d["reader"]
    workers = d.get("workers", [])
    wk = " / ".join("%.2f (%.2f)" % (w["busy"], w["cpu"]) for w in workers) or "-"
    cpu = r["cpu"] + d["store_cpu"] + sum(w["cpu"] for w in workers)
    return [d.get("corpus", ""), d.get("run", ""), str(d["threads"]), str(d.get("ranges", "")),
            "%.2f" % d["seconds"], "%.2f" % d["pipeline"], "%.2f" % d["merge"], "%.2f" % d["finish"],
            "%.2f" % d["commit"], "%.2f" % r["read"], "%.2f" % r["split"], "%.2f" % r["analysis"],
            "%.2f" % r["wait"], "%.2f" % r["records"], "%.2f" % r["cpu"], "%.2f" % d["store_cpu"], wk,
            "%.2f" % cpu]


def main():
    lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    title = sys.argv[2] if len(sys.argv) > 2 else "Indexing: where the time goes"
    print("# " + title)
    print()
    print("Written by `bench/indexing.sh` from the median round of each build (`SEARCH_TIMINGS`,")
    print("src/index/indexer.c). Seconds. *Pipeline* (reading the corpus, analysis, records),")
    print("*merge* (the postings into the term files; in as many key ranges as threads),")
    print("*finish* (the other files, the text store's last blocks) and *commit* follow one")
    print("another and add up to the total. The reader columns are the reading thread's wall time")
    print("during the pipeline: reading and parsing files, splitting articles into passages,")
    print("analysis (one thread only: it analyses too), waiting for a worker, writing passage")
    print("and article records (one thread: compressing the text store too). CPU columns are CPU")
    print("seconds per thread over the whole build; workers: busy wall (CPU) each.")
    print()
    head = ["corpus", "run", "threads", "ranges", "total", "pipeline", "merge", "finish", "commit", "read",
            "split", "analysis", "wait", "records", "reader CPU", "store CPU", "workers busy (CPU)", "all CPU"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for d in lines:
        print("| " + " | ".join(row(d)) + " |")


if __name__ == "__main__":
    main()
