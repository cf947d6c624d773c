"""test_libsearch.py: the Python module (python/libsearch.py) against the C
library and the command line: the ctypes structures field for field against
the header, hits as `search --queries` ranks them, batch_search on threads,
Indexer, refresh, check, evaluate, and errors as exceptions."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

import libsearch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEARCH = os.environ.get("SEARCH", os.path.join(ROOT, "build", "search"))


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="search-python-")
        cls.index = os.path.join(cls.tmp, "index")
        cls.report = libsearch.build(os.path.join(ROOT, "corpus"), cls.index, threads=2)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)


class TestAbi(unittest.TestCase):
    """Each ctypes structure has the C struct's size and each field its offset."""

    STRUCTS = {"srch_error": libsearch._Error, "srch_index_info": libsearch._IndexInfo,
               "srch_search_options": libsearch._SearchOptions, "srch_span": libsearch._Span,
               "srch_hit": libsearch._Hit, "srch_build_options": libsearch._BuildOptions,
               "srch_build_report": libsearch._BuildReport, "srch_check_report": libsearch._CheckReport,
               "srch_eval_result": libsearch._EvalResult}

    def test_layouts(self):
        lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "libsearch.h"', "int main(void) {"]
        for c, py in self.STRUCTS.items():
            lines.append('printf("%s %%zu\\n", sizeof(%s));' % (c, c))
            for f, _ in py._fields_:
                lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (c, f, c, f))
        lines.append("return 0; }")
        with tempfile.TemporaryDirectory() as d:
            src, exe = os.path.join(d, "abi.c"), os.path.join(d, "abi")
            with open(src, "w") as f:
                f.write("\n".join(lines))
            subprocess.run(["cc", "-I", os.path.join(ROOT, "include"), "-o", exe, src], check=True)
            out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
        got = dict(line.rsplit(" ", 1) for line in out.splitlines())
        for c, py in self.STRUCTS.items():
            self.assertEqual(int(got[c]), __import__("ctypes").sizeof(py), c)
            for f, _ in py._fields_:
                self.assertEqual(int(got[c + "." + f]), getattr(py, f).offset, c + "." + f)


class TestSearch(Base):
    def test_build_report(self):
        self.assertEqual(self.report["articles"], 4)
        self.assertFalse(self.report["updated"])
        self.assertGreater(self.report["passages"], 50)

    def test_hits(self):
        with libsearch.Searcher(self.index) as s:
            hits = s.search("ketamine therapy", k=5)
            self.assertEqual(len(hits), 5)
            self.assertEqual([h.rank for h in hits], [1, 2, 3, 4, 5])
            self.assertEqual(hits, sorted(hits, key=lambda h: -h.score))
            top = hits[0]
            self.assertTrue(top.docid.endswith(".txt") and top.title and top.text)
            self.assertGreater(top.end, top.start)
            for a, b in top.highlights:  # character offsets of the query's words
                self.assertIn(top.text[a:b].lower()[:6], ("ketami", "therap"))
            self.assertTrue(top.highlights)
            self.assertEqual(s.stats()["articles"], 4)
            self.assertGreaterEqual(s.count("ketamine therapy"), 5)
            page = s.search("ketamine therapy", k=3, offset=2)
            self.assertEqual([h.passage_id for h in page], [h.passage_id for h in hits[2:5]])
            ex = s.search("ketamine", k=1, explain=True)[0].explanation
            self.assertAlmostEqual(sum(p["score"] for p in ex["parts"]), s.search("ketamine", k=1)[0].score, 4)

    def test_same_as_command_line(self):
        queries = {"q1": "ketamine depression", "q2": "microdosing psychedelics", "q3": "suicidal ideation"}
        qfile, cli_run, py_run = (os.path.join(self.tmp, n) for n in ("q.tsv", "cli.run", "py.run"))
        with open(qfile, "w") as f:
            f.writelines("%s\t%s\n" % kv for kv in queries.items())
        with open(cli_run, "w") as f:
            subprocess.run([SEARCH, "--index", self.index, "--queries", qfile, "-k", "100", "--tag", "t"],
                           stdout=f, check=True)
        with libsearch.Searcher(self.index) as s:
            results = s.batch_search(list(queries.values()), list(queries.keys()), k=100, per_article=1)
        libsearch.write_trec_run(results, py_run, tag="t")

        def rows(p):
            with open(p) as f:
                return [(l.split()[0], l.split()[2], l.split()[3], round(float(l.split()[4]), 4)) for l in f]
        self.assertEqual(rows(py_run), rows(cli_run))

    def test_rm3_and_proximity(self):
        """The ranking options give what search --queries gives with them, and change the ranking."""
        queries = {"q1": "ketamine depression treatment", "q2": "microdosing psychedelics mood"}
        opts = ["--rm3", "--rm3-docs", "5", "--rm3-terms", "8", "--rm3-weight", "0.8", "--proximity", "0.5"]
        qfile, cli_run, py_run = (os.path.join(self.tmp, n) for n in ("qr.tsv", "clir.run", "pyr.run"))
        with open(qfile, "w") as f:
            f.writelines("%s\t%s\n" % kv for kv in queries.items())
        with open(cli_run, "w") as f:
            subprocess.run([SEARCH, "--index", self.index, "--queries", qfile, "-k", "50", "--tag", "t"] + opts,
                           stdout=f, check=True)
        with libsearch.Searcher(self.index) as s:
            results = s.batch_search(list(queries.values()), list(queries.keys()), k=50, per_article=1, rm3=True,
                                     rm3_docs=5, rm3_terms=8, rm3_weight=0.8, proximity=0.5)
            plain = s.search("ketamine depression treatment", k=10)
            near = s.search("ketamine depression treatment", k=10, proximity=2)
            self.assertNotEqual([(h.passage_id, h.score) for h in plain], [(h.passage_id, h.score) for h in near])
            ex = s.search("ketamine depression treatment", k=1, proximity=2, explain=True)[0]
            self.assertAlmostEqual(sum(p["score"] for p in ex.explanation["parts"]), ex.score, 4)
            self.assertTrue(any("proximity" in p for p in ex.explanation["parts"]))
            with self.assertRaises(libsearch.BadArgument):
                s.search("ketamine", proximity=11)
            with self.assertRaises(libsearch.BadArgument):
                s.search("ketamine", rm3=True, rm3_weight=2)
        libsearch.write_trec_run(results, py_run, tag="t")

        def rows(p):
            with open(p) as f:
                return [(l.split()[0], l.split()[2], l.split()[3], round(float(l.split()[4]), 4)) for l in f]
        self.assertEqual(rows(py_run), rows(cli_run))
        self.assertEqual({r[0] for r in rows(cli_run)}, {"q1", "q2"})  # both ranked something

    def test_batch_threads(self):
        qs = ["ketamine", "depression treatment", "microdosing", "suicidal", "therapy benefits"] * 8
        ids = ["q%d" % i for i in range(len(qs))]
        with libsearch.Searcher(self.index) as s:
            one = s.batch_search(qs, ids, k=20, threads=1)
            four = s.batch_search(qs, ids, k=20, threads=4)
        key = lambda r: {q: [(h.passage_id, h.score) for h in hs] for q, hs in r.items()}
        self.assertEqual(key(one), key(four))

    def test_errors(self):
        with self.assertRaises(libsearch.NotFound):
            libsearch.Searcher(os.path.join(self.tmp, "nothing"))
        with libsearch.Searcher(self.index) as s:
            with self.assertRaises(libsearch.BadArgument):
                s.search("ketamine", algorithm="no-such")
        with self.assertRaises(libsearch.BadArgument):
            libsearch.build(os.path.join(ROOT, "corpus"), self.index, language="klingon")
        self.assertTrue(issubclass(libsearch.OutOfMemory, MemoryError))

    def test_check_and_evaluate(self):
        r = libsearch.check(self.index, os.path.join(ROOT, "corpus"))
        self.assertEqual(r["problems"], 0)
        self.assertTrue(r["corpus_checked"])
        self.assertEqual(r["same"], 4)
        qrels, run = os.path.join(self.tmp, "qrels"), os.path.join(self.tmp, "run")
        with open(qrels, "w") as f:
            f.write("1 0 a 1\n1 0 b 0\n")
        with open(run, "w") as f:
            f.write("1 Q0 b 1 2.0 t\n1 Q0 a 2 1.0 t\n")
        self.assertAlmostEqual(libsearch.evaluate(qrels, run)["map"], 0.5)


class TestIndexer(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="search-python-")
        self.index = os.path.join(self.tmp, "rows")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_rows_and_refresh(self):
        with libsearch.Indexer(self.index, passage_words=20) as ix:
            ix.add("a", "Ketamine", "Ketamine eases depression within hours.")
            ix.add("b", "Microdosing", "Microdosing psychedelics: a tenth of a dose.")
        self.assertEqual(ix.report["articles"], 2)
        s = libsearch.Searcher(self.index)
        self.assertEqual([h.docid for h in s.search("ketamine")], ["a"])
        self.assertEqual(s.search("ketamine")[0].path, "python")
        with libsearch.Indexer(self.index, passage_words=20) as ix:  # the same settings: an update
            ix.add("a", "Ketamine", "Zebrafish and depression.")
            ix.add("b", "Microdosing", "Microdosing psychedelics: a tenth of a dose.")
        self.assertTrue(ix.report["updated"])
        self.assertEqual(s.search("zebrafish"), [])  # the commit it opened
        self.assertTrue(s.refresh())
        self.assertFalse(s.refresh())
        self.assertEqual([h.docid for h in s.search("zebrafish")], ["a"])
        s.close()

    def test_abort_and_errors(self):
        with libsearch.Indexer(self.index) as ix:
            ix.add("a", "", "Ketamine eases depression.")
        with self.assertRaises(RuntimeError):
            with libsearch.Indexer(self.index) as ix:
                ix.add("a", "", "Something else entirely.")
                with self.assertRaises(libsearch.Busy):
                    libsearch.Indexer(self.index)
                with self.assertRaises(libsearch.BadArgument):
                    ix.add("a", "", "twice")
                with self.assertRaises(libsearch.BadArgument):
                    ix.add("x\ty", "", "a tab in the id")
                raise RuntimeError("abandon")
        with libsearch.Searcher(self.index) as s:  # the abort left the index as it was
            self.assertEqual(s.count("ketamine"), 1)
            self.assertEqual(s.count("entirely"), 0)


if __name__ == "__main__":
    unittest.main()
