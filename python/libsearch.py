"""libsearch: BM25 passage search from Python, over the C library (libsearch.so.1).

    import libsearch
    s = libsearch.Searcher("index")
    for hit in s.search("suicidal ideation", k=5):
        print(hit.score, hit.docid, hit.title, hit.text[:80])

    results = s.batch_search(["ketamine", "microdosing"], ["q1", "q2"], k=100, threads=2)
    libsearch.write_trec_run(results, "run.txt", tag="bm25")

    libsearch.build("corpus", "index")              # or, article by article:
    with libsearch.Indexer("index") as ix:
        ix.add("doc-1", "A title", "The text ...")

The module is ctypes over the C API (include/libsearch.h); nothing beyond the
standard library. The library is looked for in $LIBSEARCH_LIBRARY, beside a
source checkout (../build/libsearch.so.1.*), then where the system keeps it.
Calls into the library release the GIL, so batch_search runs queries on
several threads at once (each with a searcher of its own).
"""

import concurrent.futures
import ctypes
import ctypes.util
import glob
import json
import os
import threading

__all__ = ["Searcher", "Hit", "Indexer", "build", "check", "evaluate", "write_trec_run", "SearchError",
           "NotFound", "Corrupt", "IOError_", "BadQuery", "BadArgument", "OutOfMemory", "Busy", "version"]


# ---- errors ----

class SearchError(Exception):
    """An error the library returned: .code is its srch_code, the message its one line."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class NotFound(SearchError): pass
class Corrupt(SearchError): pass
class IOError_(SearchError): pass
class BadQuery(SearchError): pass
class BadArgument(SearchError, ValueError): pass
class OutOfMemory(SearchError, MemoryError): pass
class Busy(SearchError): pass


_ERRORS = {1: NotFound, 2: Corrupt, 3: IOError_, 4: BadQuery, 5: BadArgument, 6: OutOfMemory, 7: Busy}


# ---- the C structures (include/libsearch.h), field for field ----

_c_size_t, _u32, _u64 = ctypes.c_size_t, ctypes.c_uint32, ctypes.c_uint64


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("message", ctypes.c_char * 512)]


class _IndexInfo(ctypes.Structure):
    _fields_ = [("passages", _u64), ("articles", _u64), ("terms", _u64), ("segments", _u64),
                ("avg_length", ctypes.c_double), ("language", ctypes.c_char_p), ("stopwords", ctypes.c_int),
                ("passage_words", _u32), ("commit", ctypes.c_char_p)]


class _SearchOptions(ctypes.Structure):
    _fields_ = [("k", _c_size_t), ("offset", _c_size_t), ("algorithm", ctypes.c_char_p), ("k1", ctypes.c_float),
                ("b", ctypes.c_float), ("title_boost", ctypes.c_float), ("heading_boost", ctypes.c_float),
                ("max_expansions", _u32), ("per_article", _u32), ("explain", ctypes.c_int),
                ("ids_only", ctypes.c_int), ("scores_only", ctypes.c_int), ("total", ctypes.c_int),
                ("rm3", ctypes.c_int), ("rm3_docs", _u32), ("rm3_terms", _u32), ("rm3_weight", ctypes.c_float),
                ("article_weight", ctypes.c_float), ("proximity", ctypes.c_float)]


class _Span(ctypes.Structure):
    _fields_ = [("start", _c_size_t), ("end", _c_size_t)]


class _Hit(ctypes.Structure):
    _fields_ = [("rank", _c_size_t), ("article_hit", _c_size_t), ("score", ctypes.c_double),
                ("passage", _u32), ("passage_id", _u64), ("article_id", _u64),
                ("id", ctypes.c_void_p), ("id_len", _c_size_t), ("path", ctypes.c_void_p), ("path_len", _c_size_t),
                ("title", ctypes.c_void_p), ("title_len", _c_size_t), ("start", _u64), ("end", _u64),
                ("text", ctypes.c_void_p), ("text_len", _c_size_t), ("highlights", ctypes.POINTER(_Span)),
                ("nhighlights", _c_size_t), ("explain_json", ctypes.c_char_p), ("explain_text", ctypes.c_char_p)]


_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_WARNING = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


class _BuildOptions(ctypes.Structure):
    _fields_ = [("language", ctypes.c_char_p), ("stopwords", ctypes.c_int), ("passage_words", _u32),
                ("threads", ctypes.c_int), ("memory", _c_size_t), ("full", ctypes.c_int),
                ("optimize", ctypes.c_int), ("reorder", ctypes.c_int), ("strict", ctypes.c_int),
                ("progress", _PROGRESS), ("warning", _WARNING), ("ctx", ctypes.c_void_p),
                ("k1", ctypes.c_float), ("b", ctypes.c_float)]


class _BuildReport(ctypes.Structure):
    _fields_ = [("updated", ctypes.c_int), ("up_to_date", ctypes.c_int), ("why_full", ctypes.c_char_p),
                ("recovered", ctypes.c_char_p)] + \
               [(n, _u64) for n in ("unchanged", "added", "changed", "removed", "files_not_read", "articles",
                                    "passages", "terms", "postings", "skipped", "source_bytes", "index_bytes",
                                    "runs", "run_bytes")] + \
               [("segments", _c_size_t), ("merged", _c_size_t), ("seconds", ctypes.c_double)]


class _CheckReport(ctypes.Structure):
    _fields_ = [(n, _u64) for n in ("terms", "postings", "positions", "passages", "articles", "problems")] + \
               [("report", ctypes.c_char_p), ("corpus_checked", ctypes.c_int)] + \
               [(n, _u64) for n in ("corpus_articles", "same", "added", "changed", "removed")] + \
               [("differences", ctypes.c_char_p)]


class _EvalResult(ctypes.Structure):
    _fields_ = [(n, ctypes.c_double) for n in ("map", "ndcg10", "p10", "recall100", "recall1000", "mrr")] + \
               [("queries", _c_size_t)]


def _padded(struct_type):
    """An instance with room to spare behind it: a newer library whose options
    struct grew may write past the fields this module knows."""
    buf = (ctypes.c_char * (ctypes.sizeof(struct_type) + 256))()
    return struct_type.from_buffer(buf), buf


# ---- loading the library ----

def _load():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("LIBSEARCH_LIBRARY")] + \
        sorted(glob.glob(os.path.join(here, "..", "build", "libsearch.so.1*"))) + \
        ["libsearch.so.1", ctypes.util.find_library("search")]
    errors = []
    for c in candidates:
        if not c:
            continue
        try:
            return ctypes.CDLL(c)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("libsearch.so.1 not found (set LIBSEARCH_LIBRARY): " + "; ".join(errors))


_lib = _load()
_P, _E = ctypes.c_void_p, ctypes.POINTER(_Error)


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


_version = _fn("srch_version", ctypes.c_char_p)
_open = _fn("srch_open", ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(_P), _E)
_reopen = _fn("srch_reopen", ctypes.c_int, _P, ctypes.POINTER(_P), _E)
_close = _fn("srch_close", None, _P)
_stats = _fn("srch_index_stats", None, _P, ctypes.POINTER(_IndexInfo))
_searcher_new = _fn("srch_searcher_new", ctypes.c_int, _P, ctypes.POINTER(_P), _E)
_searcher_free = _fn("srch_searcher_free", None, _P)
_options_init = _fn("srch_search_options_init", None, ctypes.POINTER(_SearchOptions))
_search = _fn("srch_search", ctypes.c_int, _P, ctypes.c_char_p, ctypes.POINTER(_SearchOptions),
              ctypes.POINTER(_P), _E)
_count = _fn("srch_count", ctypes.c_int, _P, ctypes.c_char_p, ctypes.POINTER(_SearchOptions),
             ctypes.POINTER(_u64), _E)
_hits_count = _fn("srch_hits_count", _c_size_t, _P)
_hits_get = _fn("srch_hits_get", ctypes.POINTER(_Hit), _P, _c_size_t)
_hits_notes = _fn("srch_hits_notes", ctypes.c_char_p, _P)
_hits_free = _fn("srch_hits_free", None, _P)
_snippet = _fn("srch_snippet", ctypes.c_void_p, ctypes.POINTER(_Hit), _c_size_t, ctypes.c_char_p, ctypes.c_char_p)
_free = _fn("srch_free", None, ctypes.c_void_p)
_build_options_init = _fn("srch_build_options_init", None, ctypes.POINTER(_BuildOptions))
_build = _fn("srch_build", ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_BuildOptions),
             ctypes.POINTER(_BuildReport), _E)
_builder_new = _fn("srch_builder_new", ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p,
                   ctypes.POINTER(_BuildOptions), ctypes.POINTER(_P), _E)
_builder_add = _fn("srch_builder_add", ctypes.c_int, _P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                   _c_size_t, _E)
_builder_commit = _fn("srch_builder_commit", ctypes.c_int, _P, ctypes.POINTER(_BuildReport), _E)
_builder_abort = _fn("srch_builder_abort", None, _P)
_check = _fn("srch_check", ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_CheckReport), _E)
_check_free = _fn("srch_check_report_free", None, ctypes.POINTER(_CheckReport))
_eval = _fn("srch_eval", ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
            ctypes.POINTER(_EvalResult), _E)


def version():
    """The C library's version."""
    return _version().decode()


def _raise(code, err):
    raise _ERRORS.get(code, SearchError)(code, err.message.decode("utf-8", "replace"))


def _b(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def _str(ptr, n):
    return ctypes.string_at(ptr, n).decode("utf-8", "replace") if n else ""


# ---- searching ----

class Hit:
    """A passage found: docid (the article id), score, title, text, and where it is."""

    __slots__ = ("rank", "docid", "score", "passage", "passage_id", "article_id", "path", "title", "start", "end",
                 "text", "highlights", "explanation", "article_hit")

    def __init__(self, h):
        self.rank, self.score, self.passage = h.rank, h.score, h.passage
        self.passage_id, self.article_id, self.article_hit = h.passage_id, h.article_id, h.article_hit
        self.docid = _str(h.id, h.id_len)
        self.path = _str(h.path, h.path_len)
        self.title = _str(h.title, h.title_len)
        self.start, self.end = h.start, h.end
        raw = ctypes.string_at(h.text, h.text_len) if h.text_len else b""
        self.text = raw.decode("utf-8", "replace")
        # highlights as character offsets into .text (the library gives bytes)
        self.highlights = [(len(raw[:s.start].decode("utf-8", "replace")), len(raw[:s.end].decode("utf-8", "replace")))
                           for s in (h.highlights[i] for i in range(h.nhighlights))]
        self.explanation = json.loads(h.explain_json) if h.explain_json else None

    def __repr__(self):
        return "Hit(%d, %r, %.4f, %r)" % (self.rank, self.docid, self.score, self.title)


class Searcher:
    """An open index. search() and count() may be called from several threads."""

    def __init__(self, index_dir):
        self._ix = _P()
        err = _Error()
        rc = _open(_b(index_dir), ctypes.byref(self._ix), ctypes.byref(err))
        if rc:
            _raise(rc, err)
        self._dir = index_dir
        self._local = threading.local()
        self._searchers = []  # every thread's, freed on close
        self._lock = threading.Lock()

    def close(self):
        """Frees the index and every thread's searcher (none may be in use)."""
        with self._lock:
            for s in self._searchers:
                _searcher_free(s)
            self._searchers = []
            if self._ix:
                _close(self._ix)
                self._ix = _P()
            self._local = threading.local()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_ix", None):
            self.close()

    def _searcher(self):
        s = getattr(self._local, "s", None)
        if s is None:
            if not self._ix:
                raise SearchError(0, "the searcher is closed")
            s, err = _P(), _Error()
            rc = _searcher_new(self._ix, ctypes.byref(s), ctypes.byref(err))
            if rc:
                _raise(rc, err)
            with self._lock:
                self._searchers.append(s)
            self._local.s = s
        return s

    def stats(self):
        """The open commit: passages, articles, terms, segments, language, commit name..."""
        i = _IndexInfo()
        _stats(self._ix, ctypes.byref(i))
        return {"passages": i.passages, "articles": i.articles, "terms": i.terms, "segments": i.segments,
                "avg_length": i.avg_length, "language": i.language.decode(), "stopwords": bool(i.stopwords),
                "passage_words": i.passage_words, "commit": i.commit.decode()}

    def refresh(self):
        """Moves to the commit a build published since; True when there was one.
        Not while other threads are searching with this Searcher."""
        new, err = _P(), _Error()
        rc = _reopen(self._ix, ctypes.byref(new), ctypes.byref(err))
        if rc:
            _raise(rc, err)
        if not new:
            return False
        with self._lock:
            for s in self._searchers:
                _searcher_free(s)
            self._searchers = []
            self._local = threading.local()
            _close(self._ix)
            self._ix = new
        return True

    @staticmethod
    def _options(k, offset, algorithm, k1, b, per_article, explain, ids_only, rm3=False, rm3_docs=None,
                 rm3_terms=None, rm3_weight=None, proximity=None):
        o, keep = _padded(_SearchOptions)
        _options_init(ctypes.byref(o))
        o.k, o.offset, o.per_article, o.explain, o.ids_only = k, offset, per_article, int(explain), int(ids_only)
        if algorithm:
            o.algorithm = _b(algorithm)
        if k1 is not None:
            o.k1 = k1
        if b is not None:
            o.b = b
        o.rm3 = int(rm3)
        for name, v in (("rm3_docs", rm3_docs), ("rm3_terms", rm3_terms), ("rm3_weight", rm3_weight),
                        ("proximity", proximity)):
            if v is not None:
                setattr(o, name, v)
        return o, keep

    def search(self, q, k=10, offset=0, algorithm=None, k1=None, b=None, per_article=0, explain=False,
               ids_only=False, rm3=False, rm3_docs=None, rm3_terms=None, rm3_weight=None, proximity=None):
        """The k best passages for q (search(1)'s query syntax), a list of Hit. rm3: RM3
        pseudo-relevance feedback (rm3_docs passages, rm3_terms words, the query's share
        rm3_weight; None: the library's defaults); proximity: the weight of the
        term-proximity part (0 or None: off). search(1) "Ranking options" says more."""
        o, keep = self._options(k, offset, algorithm, k1, b, per_article, explain, ids_only, rm3, rm3_docs,
                                rm3_terms, rm3_weight, proximity)
        h, err = _P(), _Error()
        rc = _search(self._searcher(), _b(q), ctypes.byref(o), ctypes.byref(h), ctypes.byref(err))
        del keep
        if rc:
            _raise(rc, err)
        try:
            return [Hit(_hits_get(h, i).contents) for i in range(_hits_count(h))]
        finally:
            _hits_free(h)

    def count(self, q):
        """How many passages match q."""
        n, err = _u64(), _Error()
        rc = _count(self._searcher(), _b(q), None, ctypes.byref(n), ctypes.byref(err))
        if rc:
            _raise(rc, err)
        return n.value

    def batch_search(self, queries, qids, k=10, threads=1, **options):
        """Pyserini's batch_search: {qid: [Hit, ...]} for the queries, on threads threads."""
        if len(queries) != len(qids):
            raise BadArgument(5, "queries and qids differ in length")
        if threads <= 1:
            return {qid: self.search(q, k, **options) for q, qid in zip(queries, qids)}
        with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
            hits = pool.map(lambda q: self.search(q, k, **options), queries)
            return dict(zip(qids, hits))


def write_trec_run(results, path, tag="libsearch"):
    """Writes {qid: [Hit, ...]} as a TREC run file (qid Q0 docid rank score tag),
    one line per article: its best passage, as `search --queries` writes runs."""
    with open(path, "w", encoding="utf-8") as f:
        for qid, hits in results.items():
            seen, rank = set(), 0
            for h in hits:
                if h.docid in seen:
                    continue
                seen.add(h.docid)
                rank += 1
                f.write("%s Q0 %s %d %.6f %s\n" % (qid, h.docid, rank, h.score, tag))


# ---- building ----

def _build_options(language, stopwords, passage_words, threads, memory, full, optimize, reorder, strict, warning):
    o, keep = _padded(_BuildOptions)
    _build_options_init(ctypes.byref(o))
    if language is not None:
        o.language = _b(language)
    for name, v in (("stopwords", stopwords), ("passage_words", passage_words), ("threads", threads),
                    ("memory", memory)):
        if v is not None:
            setattr(o, name, int(v))
    o.full, o.optimize, o.reorder, o.strict = int(full), int(optimize), int(reorder), int(strict)
    cb = None
    if warning:
        cb = _WARNING(lambda ctx, m: warning(m.decode("utf-8", "replace")))
        o.warning = cb
    return o, (keep, cb)


def _report(r):
    d = {name: getattr(r, name) for name, _ in _BuildReport._fields_}
    for key in ("why_full", "recovered"):
        d[key] = d[key].decode() if d[key] else None
    d["updated"], d["up_to_date"] = bool(d["updated"]), bool(d["up_to_date"])
    return d


def build(corpus, index_dir, language=None, stopwords=None, passage_words=None, threads=None, memory=None,
          full=False, optimize=False, reorder=False, strict=False, warning=None):
    """Builds or updates index_dir from corpus (a directory of .txt/.md articles or a
    passages file); returns the report as a dict."""
    o, keep = _build_options(language, stopwords, passage_words, threads, memory, full, optimize, reorder,
                             strict, warning)
    r, err = _BuildReport(), _Error()
    rc = _build(_b(corpus), _b(index_dir), ctypes.byref(o), ctypes.byref(r), ctypes.byref(err))
    del keep
    if rc:
        _raise(rc, err)
    return _report(r)


class Indexer:
    """A build from articles added one by one; they are the whole corpus (an
    article not added again is removed). Commits on a clean exit from a with
    block, aborts (leaving the index as it was) on an exception."""

    def __init__(self, index_dir, name="python", **options):
        o, self._keep = _build_options(options.pop("language", None), options.pop("stopwords", None),
                                       options.pop("passage_words", None), options.pop("threads", None),
                                       options.pop("memory", None), options.pop("full", False),
                                       options.pop("optimize", False), options.pop("reorder", False), False,
                                       options.pop("warning", None))
        if options:
            raise BadArgument(5, "unknown option: " + ", ".join(options))
        self._opts = o  # the builder's thread reads it until the commit
        self._b, err = _P(), _Error()
        rc = _builder_new(_b(index_dir), _b(name), ctypes.byref(o), ctypes.byref(self._b), ctypes.byref(err))
        if rc:
            _raise(rc, err)

    def add(self, docid, title, text):
        """Adds an article; its text is split into passages."""
        data, err = _b(text), _Error()
        rc = _builder_add(self._b, _b(docid), _b(title or ""), data, len(data), ctypes.byref(err))
        if rc:
            _raise(rc, err)

    def commit(self):
        """Publishes the index; returns the build's report as a dict."""
        r, err = _BuildReport(), _Error()
        b, self._b = self._b, _P()
        rc = _builder_commit(b, ctypes.byref(r), ctypes.byref(err))
        if rc:
            _raise(rc, err)
        return _report(r)

    def abort(self):
        """Abandons the build: the index stays as it was."""
        if self._b:
            b, self._b = self._b, _P()
            _builder_abort(b)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None and self._b:
            self.report = self.commit()
        else:
            self.abort()

    def __del__(self):
        if getattr(self, "_b", None):
            self.abort()


def check(index_dir, corpus=None):
    """Verifies every checksum and record (and, with corpus, that the index holds
    exactly its articles now); a dict with "problems" and the reports."""
    r, err = _CheckReport(), _Error()
    rc = _check(_b(index_dir), _b(corpus) if corpus else None, ctypes.byref(r), ctypes.byref(err))
    if rc:
        _raise(rc, err)
    try:
        d = {name: getattr(r, name) for name, _ in _CheckReport._fields_}
        for key in ("report", "differences"):
            d[key] = d[key].decode("utf-8", "replace") if d[key] else ""
        d["corpus_checked"] = bool(d["corpus_checked"])
        return d
    finally:
        _check_free(ctypes.byref(r))


def evaluate(qrels, run, complete=False):
    """trec_eval's measures of a run file against qrels: map, ndcg10, p10, ... as a dict."""
    r, err = _EvalResult(), _Error()
    rc = _eval(_b(qrels), _b(run), int(complete), ctypes.byref(r), ctypes.byref(err))
    if rc:
        _raise(rc, err)
    return {name: getattr(r, name) for name, _ in _EvalResult._fields_}
