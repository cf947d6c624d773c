/*
 * indexer.c: the indexing pipeline, start to finish.
 *
 *   corpus_read (or another article source) -> batches of articles, split
 *     into numbered passages
 *     -> workers (index_worker.c, one per thread): analysis and postings,
 *        runs on disk past the memory budget
 *     -> in batch order: passage and article records, text store
 *   then the runs and the workers' postings merged into the term files
 *   (postings_runs.c), and reindex_commit publishes the new segment.
 *
 * Batches are numbered and their passages given ids as they are read, and
 * their records are written in that order whichever worker finishes
 * first, so the segment is byte for byte the same with any number of
 * threads and any memory budget; the tests compare them.
 *
 * The segment is written into a new directory and the live index replaced
 * only by publish_commit's atomic rename, so a failed or interrupted build
 * leaves it untouched.
 */
#include "index/index_worker.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Text per batch: many per worker, small next to the budget (smaller
 * budgets get smaller batches, down to a few passages). */
#define BATCH_BYTES (256u << 10)
#define MIN_BATCH_BYTES (4u << 10)
#define MAX_WORKERS 64
/* What the budget keeps back from the workers' postings: batches in
 * flight, file buffers, the text store's queue, the merge's read buffers. */
#define FIXED_BYTES (32u << 20)

void indexer_options_default(IndexerOptions *o)
{
    memset(o, 0, sizeof *o);
    analysis_config_default(&o->analysis);
    o->passage_words = PASSAGE_WORDS_DEFAULT;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cpus > 1 ? (int)cpus : 1;
    o->memory = indexer_default_memory();
}

void indexer_options_impact(IndexerOptions *o, float k1, float b)
{
    o->k1 = k1;
    o->b = b;
    o->k1_given = !(k1 < 0);
    o->b_given = !(b < 0);
}

size_t indexer_default_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t ram = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : (1ull << 32);
    uint64_t m = ram / 4; /* room for the page cache, the readers and other work */
    if (m < INDEXER_MIN_MEMORY) m = INDEXER_MIN_MEMORY;
    return m > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)m;
}

uint64_t article_hash(const char *title, const char *text, size_t len)
{
    return hash64(text, len, hash64(title, strlen(title), 0));
}

/* Where a build's time went, for bench/indexing.sh: the environment's
 * SEARCH_TIMINGS names a file the build appends one JSON line of these to
 * (a diagnostic, as Lucene's infoStream; nothing is timed without it but
 * what costs a clock read per batch). Wall seconds unless named CPU. */
#define TIMED_WORKERS 64
typedef struct {
    /* the reading thread while the corpus is read: reading and parsing
     * files, splitting articles into passages (and copying them into
     * batches), waiting for a worker to finish the oldest batch, writing
     * passage and article records (the text store included) */
    double read, split, wait, records;
    /* one after another: reading and analysis, the final merge of the
     * postings into the term files, the segment's other files and the text
     * store's last blocks, publishing the commit (fsync included) */
    double pipeline, merge, finish, commit;
    double main_cpu, store_cpu; /* CPU seconds of the reading thread (all phases) and the store's compressor */
    int workers;                /* analysis threads (0: analysis ran on the reading thread) */
    double worker_busy[TIMED_WORKERS], worker_cpu[TIMED_WORKERS];
} BuildTimings;

/* ---- the pipeline ---- */

/* A batch slot. The counters of Run say which slots hold batches in
 * flight; done says a worker has finished one. */
typedef struct {
    Batch batch;
    int done;
    int failed;
    char err[512]; /* the worker's err_msg, which is per thread */
} Slot;

typedef struct Run Run;

typedef struct {
    Run *run;
    Worker *w;
    pthread_t thread;
    int broken; /* ran out of memory mid-batch: its state is not to be built on */
    double busy, cpu; /* seconds indexing batches; the thread's CPU seconds */
} WorkerThread;

struct Run {
    const IndexerOptions *opt;
    IndexBuilder b;
    Previous *prev;        /* the live commit, when updating it */
    Sources sources;       /* the files read or kept, for the new commit */
    IndexerReport *rep;
    BuildTimings *tm;      /* NULL unless timed (SEARCH_TIMINGS) */
    /* reading */
    uint32_t next_pid;     /* ids handed out so far */
    uint64_t strings;      /* article string bytes handed out (a bound) */
    uint64_t source_bytes; /* for progress */
    double started, last_progress;
    /* batches: slot[seq % nslots] holds batch seq */
    size_t batch_bytes;
    Slot *slot;
    size_t nslots;
    uint64_t filled, claimed, retired;
    /* workers; threaded when there are several */
    WorkerThread *wt;
    int nworkers, threaded, stop;
    int nthreads; /* threads started, which stop_workers joins */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Indexes a batch, or fails it: a worker that ran out of memory fails
 * the batches it claims after, which the reader then stops on. */
static void index_batch(WorkerThread *t, Slot *s)
{
    double t0 = now_seconds(); /* a clock read per batch of 256 KB: always */
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) {
        t->broken = 1;
        s->failed = 1;
        snprintf(s->err, sizeof s->err, "%s", err_msg());
        return;
    }
    if (t->broken) {
        s->failed = 1;
        snprintf(s->err, sizeof s->err, "out of memory (in an indexing thread)");
    } else {
        s->failed = worker_index(t->w, &s->batch) != 0;
        if (s->failed) snprintf(s->err, sizeof s->err, "%s", err_msg());
    }
    oom_leave(&g);
    t->busy += now_seconds() - t0;
}

static void *worker_main(void *arg)
{
    WorkerThread *t = arg;
    Run *r = t->run;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (r->claimed == r->filled && !r->stop) pthread_cond_wait(&r->cv, &r->mu);
        if (r->claimed == r->filled) break;
        Slot *s = &r->slot[r->claimed++ % r->nslots];
        pthread_mutex_unlock(&r->mu);
        index_batch(t, s);
        pthread_mutex_lock(&r->mu);
        s->done = 1;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    t->cpu = thread_cpu_seconds();
    return NULL;
}

/* Timed builds only: the clock now, or 0. */
static double tick(const Run *r) { return r->tm ? now_seconds() : 0; }

static void progress(Run *r, int final)
{
    double now = now_seconds();
    if (!r->opt->progress || (!final && now - r->last_progress < 0.5)) return;
    r->last_progress = now;
    r->opt->progress(r->opt->ctx, r->b.narticles, r->b.npassages, r->source_bytes, now - r->started, final);
}

/* The records of a finished batch, in corpus order. */
static void write_records(Run *r, const Batch *bt)
{
    double t0 = tick(r);
    IndexBuilder *b = &r->b;
    for (size_t i = 0; i < bt->nart; i++) {
        const BatchArticle *a = &bt->art[i];
        const char *text = batch_text(bt, a);
        uint32_t first = b->npassages;
        for (size_t j = 0; j < a->nspans; j++) {
            const PassageSpan *sp = &bt->spans[a->first_span + j];
            builder_add_passage(b, (uint32_t)j, a->base + sp->start, a->base + sp->end,
                                bt->lengths[a->first_span + j], text + sp->start, sp->end - sp->start);
        }
        ArticleInfo ai = {batch_str(bt, a->id), batch_str(bt, a->path), batch_str(bt, a->title), a->id_len,
                          a->path_len, a->title_len, first, (uint32_t)a->nspans, a->file_size, a->file_mtime,
                          a->hash};
        builder_add_article(b, &ai, first);
        r->source_bytes += a->len;
    }
    progress(r, 0);
    if (r->tm) r->tm->records += tick(r) - t0;
}

/* Waits for the oldest batch in flight and writes its records. */
static int retire(Run *r)
{
    Slot *s = &r->slot[r->retired % r->nslots];
    if (r->threaded) {
        double t0 = tick(r);
        pthread_mutex_lock(&r->mu);
        while (!s->done) pthread_cond_wait(&r->cv, &r->mu);
        pthread_mutex_unlock(&r->mu);
        if (r->tm) r->tm->wait += tick(r) - t0;
    }
    r->retired++;
    int failed = s->failed;
    if (failed) err_set("%s", s->err);
    else write_records(r, &s->batch);
    batch_clear(&s->batch);
    s->done = s->failed = 0;
    return failed ? -1 : 0;
}

/* The batch being filled: its slot, freed first if still in flight. */
static int filling(Run *r, Batch **out)
{
    if (r->filled - r->retired == r->nslots && retire(r) != 0) return -1;
    *out = &r->slot[r->filled % r->nslots].batch;
    return 0;
}

/* Hands the batch being filled to the workers (or, unthreaded, indexes it). */
static int submit(Run *r)
{
    Slot *s = &r->slot[r->filled % r->nslots];
    if (s->batch.nart == 0) return 0;
    if (!r->threaded) {
        index_batch(&r->wt[0], s);
        r->filled++;
        return retire(r);
    }
    pthread_mutex_lock(&r->mu);
    r->filled++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

static int article_in(Run *r, const Article *a);

/* The reading thread's time timed apart from reading and splitting. */
static double elsewhere(const Run *r)
{
    return r->tm->wait + r->tm->records + (r->nworkers > 1 ? 0 : r->wt[0].busy);
}

/* Timed, an article's own time is splitting, but for what is timed
 * elsewhere (waiting, records, analysis on this thread); the reader's
 * time outside articles is reading (note_workers). */
static int on_article(void *ctx, const Article *a)
{
    Run *r = ctx;
    if (!r->tm) return article_in(r, a);
    double t0 = now_seconds(), before = elsewhere(r);
    int rc = article_in(r, a);
    r->tm->split += now_seconds() - t0 - (elsewhere(r) - before);
    return rc;
}

static int article_in(Run *r, const Article *a)
{
    uint64_t hash = article_hash(a->title, a->text, a->len);
    size_t words = r->opt->passage_words;
    if (r->opt->grow_passage_words) { /* no window smaller than the article */
        size_t w = count_words(a->text, 0, a->len);
        if (w > words) words = w;
        if (words > r->b.passage_words) r->b.passage_words = words >= UINT32_MAX ? UINT32_MAX : (uint32_t)words;
    }
    PassageSpan *spans;
    size_t n = passages_split(a->text, a->len, a->heading_end, words, &spans);
    /* kept only when a rebuild would record it the same: path and place too */
    if (r->prev && previous_match(r->prev, a->id, hash, a->path, a->base + (n ? spans[0].start : 0), r->rep)) {
        free(spans);
        return 0;
    }
    r->strings += strlen(a->id) + strlen(a->path) + strlen(a->title);
    if ((uint64_t)r->next_pid + n >= UINT32_MAX - 1 || r->strings > (1ull << 31)) {
        free(spans);
        err_set("corpus too large for one index (over 4 billion passages or 2 GB of names)");
        return -1;
    }
    /* An article larger than a batch is a batch of its own, its text not
     * copied but borrowed from the reader until it is indexed: so the
     * memory it takes beyond the budget is its text, once. */
    int big = a->len >= r->batch_bytes;
    Batch *bt;
    if ((big && submit(r) != 0) || filling(r, &bt) != 0) {
        free(spans);
        return -1;
    }
    if (bt->nart == 0) bt->first_pid = r->next_pid;
    batch_add(bt, a, hash, spans, n, big);
    free(spans);
    r->next_pid += (uint32_t)n;
    if (!big) return bt->arena.len >= r->batch_bytes ? submit(r) : 0;
    if (submit(r) != 0) return -1;
    while (r->retired < r->filled)
        if (retire(r) != 0) return -1;
    return 0;
}

/* Every corpus file is recorded with its stamp for the new commit's
 * sources, then, when updating, skipped if the live commit holds it. */
static int on_file(void *ctx, const char *id, const char *path, uint64_t stamp)
{
    Run *r = ctx;
    sources_put(&r->sources, id ? 'A' : 'F', id ? id : path, stamp);
    return r->prev && previous_unchanged_file(r->prev, id, path, stamp, r->rep);
}

/* Workers, with threads when there are several. Each gets an equal share
 * of the budget left after the fixed costs and the passage lengths. */
static int start_workers(Run *r, const char *segdir)
{
    const IndexerOptions *o = r->opt;
    r->nworkers = o->threads < 1 ? 1 : o->threads > MAX_WORKERS ? MAX_WORKERS : o->threads;
    r->threaded = r->nworkers > 1;
    r->batch_bytes = o->memory / 128 > BATCH_BYTES ? BATCH_BYTES : o->memory / 128;
    if (r->batch_bytes < MIN_BATCH_BYTES) r->batch_bytes = MIN_BATCH_BYTES;
    r->slot = xcalloc(4 * (size_t)r->nworkers, sizeof *r->slot);
    r->nslots = 4 * (size_t)r->nworkers; /* once there: free_workers walks them */
    r->wt = xcalloc((size_t)r->nworkers, sizeof *r->wt);
    size_t fixed = o->memory / 2 < FIXED_BYTES ? o->memory / 2 : FIXED_BYTES;
    size_t share = (o->memory - fixed) / (size_t)r->nworkers;
    if (share < (64u << 10)) share = 64u << 10;
    for (int i = 0; i < r->nworkers; i++) {
        r->wt[i].run = r;
        r->wt[i].w = worker_new(&o->analysis, share, segdir, i);
        if (!r->wt[i].w) {
            r->nworkers = i; /* drain and free_workers touch only the workers made */
            r->threaded = 0; /* and no thread was started */
            return -1;
        }
    }
    if (!r->threaded) return 0;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    for (int i = 0; i < r->nworkers; i++) {
        if (pthread_create(&r->wt[i].thread, NULL, worker_main, &r->wt[i]) != 0) {
            err_set("cannot start an indexing thread");
            return -1; /* the threads started are joined, and every worker freed */
        }
        r->nthreads = i + 1;
    }
    return 0;
}

static void stop_workers(Run *r)
{
    if (r->threaded && r->wt) {
        pthread_mutex_lock(&r->mu);
        r->stop = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        for (int i = 0; i < r->nthreads; i++) pthread_join(r->wt[i].thread, NULL);
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        r->threaded = 0;
    }
}

static void free_workers(Run *r)
{
    stop_workers(r);
    for (size_t i = 0; i < r->nslots; i++) batch_free(&r->slot[i].batch);
    free(r->slot);
    for (int i = 0; r->wt && i < r->nworkers; i++) worker_free(r->wt[i].w);
    free(r->wt);
    r->slot = NULL;
    r->wt = NULL;
    r->nslots = 0;
    r->nworkers = 0;
}

/* The last batch in, every batch written, the workers stopped. Then what
 * only reading needed is freed: the batches and the workers' token caches
 * (a few hundred MB for a large corpus). malloc keeps freed memory
 * (main.c), so writing the term files takes it instead of pages the
 * kernel must first zero. */
static int drain(Run *r)
{
    int rc = submit(r);
    while (r->retired < r->filled) {
        if (retire(r) != 0) rc = -1;
    }
    stop_workers(r);
    for (size_t i = 0; i < r->nslots; i++) batch_free(&r->slot[i].batch);
    for (int i = 0; r->wt && i < r->nworkers; i++) worker_end_reading(r->wt[i].w);
    return rc;
}

/* Every worker's runs and in-memory postings into the term files. */
static int write_terms(Run *r, const char *segdir, uint64_t *bytes)
{
    const char **runs = NULL;
    size_t nruns = 0;
    MemIndex **mems = xmalloc((size_t)r->nworkers * sizeof *mems);
    for (int i = 0; i < r->nworkers; i++) {
        const char *const *p;
        size_t n = worker_runs(r->wt[i].w, &p);
        runs = xrealloc(runs, (nruns + n + 1) * sizeof *runs);
        if (n) memcpy(runs + nruns, p, n * sizeof *p);
        nruns += n;
        mems[i] = worker_postings(r->wt[i].w);
        r->rep->runs += n;
        r->rep->run_bytes += worker_run_bytes(r->wt[i].w);
    }
    TermWriter w;
    double t0 = tick(r);
    ImpactParams impact = previous_impact(r->opt, r->rep);
    int rc = term_writer_open(&w, segdir, &impact);
    if (rc == 0) {
        rc = runs_merge(runs, nruns, mems, (size_t)r->nworkers, segdir, &w, (const uint32_t *)r->b.lengths.data,
                        index_avgdl(r->b.total_length, r->b.npassages), r->opt->threads);
        r->rep->terms = w.terms;
        r->rep->postings = w.postings;
        r->rep->ranges = 1 + w.joined;
        if (r->tm) r->tm->merge = tick(r) - t0;
        t0 = tick(r);
        if (rc == 0) rc = term_writer_finish(&w, bytes);
        else term_writer_abort(&w);
    }
    if (rc == 0) rc = builder_finish(&r->b, &w, bytes);
    else builder_abort(&r->b);
    if (r->tm) r->tm->finish = tick(r) - t0;
    free(runs);
    free(mems);
    return rc;
}

/* Timed: what each analysis thread did, as drain left them, and the
 * reading thread's reading: its pipeline time spent on nothing else. */
static void note_workers(Run *r)
{
    BuildTimings *tm = r->tm;
    tm->read = tm->pipeline - tm->split - elsewhere(r); /* the reading thread's time in none of those */
    tm->workers = r->nworkers > 1 ? r->nworkers : 0; /* 0: worker_busy[0] is the reading thread's analysis */
    for (int i = 0; i < r->nworkers && i < TIMED_WORKERS; i++) {
        tm->worker_busy[i] = r->wt[i].busy;
        tm->worker_cpu[i] = r->wt[i].cpu;
    }
}

/* Reads the corpus into a new segment in segdir; writes nothing there
 * (and returns 1) when no article needed indexing. */
static int build_segment(Run *r, article_source_fn source, void *src, const char *segdir)
{
    const IndexerOptions *o = r->opt;
    IndexerReport *rep = r->rep;
    if (builder_open(&r->b, segdir, &o->analysis, o->passage_words, o->threads) != 0) return -1;
    if (r->tm) docstore_writer_time(r->b.store, &r->tm->store_cpu);
    double t0 = tick(r);
    int rc = start_workers(r, segdir);
    CorpusOptions co;
    corpus_options_default(&co);
    co.strict = o->strict;
    co.warn = o->warn;
    co.warn_ctx = o->ctx;
    co.unchanged = on_file;
    co.unchanged_ctx = r;
    CorpusStats cs = {0};
    if (rc == 0) rc = source(src, &co, on_article, r, &cs);
    if (drain(r) != 0) rc = -1;
    if (r->tm) {
        r->tm->pipeline = tick(r) - t0;
        note_workers(r);
    }
    progress(r, 1);
    rep->articles = r->b.narticles;
    rep->passages = r->b.npassages;
    rep->skipped = cs.skipped;
    rep->source_bytes = cs.bytes;
    rep->unread = cs.unchanged;
    if (rc == 0 && r->b.narticles == 0) rc = 1;
    if (rc == 0) rc = write_terms(r, segdir, &rep->index_bytes);
    else builder_abort(&r->b);
    free_workers(r);
    memory_release(); /* before the commit maps the new segment: give the postings' memory back */
    return rc;
}

typedef struct {
    const char *path;
} CorpusPath;

static int read_corpus(void *src, const CorpusOptions *co, article_fn fn, void *ctx, CorpusStats *stats)
{
    return corpus_read(((CorpusPath *)src)->path, co, fn, ctx, stats);
}

int indexer_build(const char *corpus, const char *dir, const IndexerOptions *o, IndexerReport *rep)
{
    CorpusPath src = {corpus};
    return indexer_build_from(read_corpus, &src, dir, o, rep);
}

/* What a build holds, released alike after an error and after running
 * out of memory (the jump to indexer_build_from's guard). On the heap:
 * the guard's handler reads it after the jump. */
typedef struct {
    Run r;
    Publication pub;
    BuildTimings tm;
    int begun; /* publish_begin called: pub may hold the lock */
    char *segdir;
} Build;

/* One JSON line of where the time went, appended to path. */
static void timings_append(const char *path, BuildTimings *t, double cpu0, const IndexerOptions *o,
                           const IndexerReport *rep)
{
    Buf b = {0};
    buf_printf(&b,
            "{\"threads\":%d,\"ranges\":%u,\"memory_mb\":%.1f,\"passages\":%llu,\"runs\":%llu,\"seconds\":%.3f,"
            "\"pipeline\":%.3f,\"merge\":%.3f,\"finish\":%.3f,\"commit\":%.3f,"
            "\"reader\":{\"read\":%.3f,\"split\":%.3f,\"analysis\":%.3f,\"wait\":%.3f,\"records\":%.3f,\"cpu\":%.3f},"
            "\"store_cpu\":%.3f,\"workers\":[",
            o->threads, rep->ranges, (double)o->memory / 1048576.0, (unsigned long long)rep->passages,
            (unsigned long long)rep->runs, rep->seconds, t->pipeline, t->merge, t->finish, t->commit, t->read,
            t->split, t->workers ? 0.0 : t->worker_busy[0], t->wait, t->records, t->main_cpu - cpu0, t->store_cpu);
    for (int i = 0; i < t->workers && i < TIMED_WORKERS; i++)
        buf_printf(&b, "%s{\"busy\":%.3f,\"cpu\":%.3f}", i ? "," : "", t->worker_busy[i], t->worker_cpu[i]);
    buf_printf(&b, "]}\n");
    /* one write of the whole line (O_APPEND), as builds may share the file;
     * a diagnostic: what fails here leaves the build as it is */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t n = write(fd, b.data, b.len);
        (void)n;
        close(fd);
    }
    buf_free(&b);
}

static void build_release(Build *b)
{
    Run *r = &b->r;
    free_workers(r);
    builder_abort(&r->b);
    if (b->begun) publish_abort(&b->pub); /* temporaries removed, the lock released */
    free(b->segdir);
    previous_close(r->prev);
    sources_free(&r->sources);
    memory_release();
}

static int build(Build *b, article_source_fn source, void *src, const char *dir, const IndexerOptions *o,
                 IndexerReport *rep)
{
    Run *r = &b->r;
    r->opt = o;
    r->rep = rep;
    r->started = now_seconds();
    b->begun = 1; /* publish_begin may run out of memory holding the lock */
    if (publish_begin(&b->pub, dir) != 0) return -1;
    sources_init(&r->sources);
    /* read under the build lock: the commit updated is the live one */
    r->prev = o->grow_passage_words ? NULL : previous_open(dir, o, rep);
    rep->incremental = r->prev != NULL;
    uint32_t number = 0;
    b->segdir = publish_segment(&b->pub, &number);
    int rc = b->segdir ? build_segment(r, source, src, b->segdir) : -1;
    if (rc == 1) { /* nothing new: no segment */
        publish_drop_segment(&b->pub, number);
        free(b->segdir);
        b->segdir = NULL;
        rc = 0;
    }
    /* reindex_commit publishes, or aborts, the publication itself */
    double t0 = tick(r);
    if (rc == 0) rc = reindex_commit(r->prev, &b->pub, number, b->segdir, &r->sources, o, rep);
    if (r->tm) {
        r->tm->commit = tick(r) - t0;
        r->tm->main_cpu = thread_cpu_seconds();
    }
    rep->seconds = now_seconds() - r->started;
    return rc == 0 ? 0 : -1;
}

int indexer_build_from(article_source_fn source, void *src, const char *dir, const IndexerOptions *o,
                       IndexerReport *rep)
{
    memset(rep, 0, sizeof *rep);
    /* An analysis the workers could not run (an unknown language) is
     * refused before the build takes the index's lock or clears anything
     * in it. */
    Analyzer *an = analyzer_new(&o->analysis);
    if (!an) return -1;
    analyzer_free(an);
    Build *b = xcalloc(1, sizeof *b);
    b->r.b.passages.fd = b->r.b.articles.fd = b->r.b.strings.fd = -1; /* for a builder_abort before it opens */
    b->pub.lock_fd = -1;
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) {
        char m[256];
        snprintf(m, sizeof m, "%s", err_msg());
        build_release(b);
        free(b);
        err_set("%s", m);
        return -1;
    }
    const char *timings = getenv("SEARCH_TIMINGS");
    if (timings && *timings) b->r.tm = &b->tm;
    double cpu0 = thread_cpu_seconds();
    int rc = build(b, source, src, dir, o, rep);
    oom_leave(&g);
    if (rc == 0 && b->r.tm) timings_append(timings, &b->tm, cpu0, o, rep);
    build_release(b);
    free(b);
    return rc;
}
