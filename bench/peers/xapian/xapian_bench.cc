// Peer driver: Xapian 1.4 (Debian libxapian-dev), BM25Weight(k1=1.2, k2=0, k3=1, b=0.75,
// min_normlen=0.5), english Snowball stemmer, STEM_SOME, no stopper.
//
//   index  DOCS.tsv INDEXDIR
//   search INDEXDIR QUERIES.tsv K WARMUP_SECONDS OUT_PREFIX
//
// Index: one document per line of id<TAB>title<TAB>text; TermGenerator indexes
// title + " " + text; document data = id. Built in INDEXDIR/build (Xapian flushes every
// XAPIAN_FLUSH_THRESHOLD documents, default 10000: larger was slower here, 100000 took 2.4x
// as long on 100k synthetic docs), committed, then compacted into INDEXDIR/db and the build
// copy removed (like Lucene's forceMerge(1)). Phase times go to stderr.
// Search: QueryParser with the same stemmer and strategy, default_op OP_OR, flags 0 (no
// boolean operators, +/- or quoted phrases: a bag of words), then Enquire::get_mset(0, K).
// Timed per query: parse_query + set_query + get_mset. Document data (ids) is read after
// the clock stops.

#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

static const char *ENGINE = "xapian";

static Xapian::BM25Weight weighting() { return Xapian::BM25Weight(1.2, 0.0, 1.0, 0.75, 0.5); }

static double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

static unsigned long long dir_bytes(const fs::path &p) {
    unsigned long long total = 0;
    for (const auto &e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) total += e.file_size();
    return total;
}

static int do_index(const char *docs_path, const char *index_dir) {
    auto t0 = Clock::now();
    fs::path dir(index_dir), build = dir / "build", out = dir / "db";
    fs::create_directories(dir);
    fs::remove_all(build);
    fs::remove_all(out);

    std::ifstream in(docs_path, std::ios::binary);
    if (!in) { std::fprintf(stderr, "xapian_bench: cannot open %s\n", docs_path); return 1; }
    unsigned long long n = 0;
    double t_add = 0, t_commit = 0;
    {
        Xapian::WritableDatabase db(build.string(), Xapian::DB_CREATE_OR_OVERWRITE);
        Xapian::TermGenerator tg;
        tg.set_stemmer(Xapian::Stem("english"));
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        std::string line, body;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            size_t t1 = line.find('\t');
            std::string id = line.substr(0, t1);
            body.clear();
            if (t1 != std::string::npos) {
                size_t t2 = line.find('\t', t1 + 1);
                if (t2 == std::string::npos) {
                    body.assign(line, t1 + 1, std::string::npos);
                } else {
                    body.assign(line, t1 + 1, t2 - t1 - 1);
                    body += ' ';
                    body.append(line, t2 + 1, std::string::npos);
                }
            }
            Xapian::Document doc;
            tg.set_document(doc);
            tg.index_text(body);
            doc.set_data(id);
            db.add_document(doc);
            n++;
        }
        t_add = seconds_since(t0);
        db.commit();
        db.close();
    }
    t_commit = seconds_since(t0);
    {
        Xapian::Database src(build.string());
        src.compact(out.string());
    }
    fs::remove_all(build);
    double secs = seconds_since(t0);
    std::fprintf(stderr, "xapian_bench: added %.3f s, committed %.3f s, compacted %.3f s\n",
                 t_add, t_commit, secs);
    std::printf("{\"engine\":\"%s\",\"docs\":%llu,\"seconds\":%.3f,\"index_bytes\":%llu,\"compacted\":true}\n",
                ENGINE, n, secs, dir_bytes(dir));
    return 0;
}

struct Hit { Xapian::docid did; double score; };

// Query mode (optional last argument): "or" (default) = the words with OP_OR; "and" = with
// OP_AND; "phrase" = the words as one quoted phrase (FLAG_PHRASE, positions).
static std::string g_mode = "or";

static void run_query(Xapian::QueryParser &qp, Xapian::Enquire &enq, const std::string &text,
                      unsigned k, std::vector<Hit> &hits) {
    hits.clear();
    Xapian::Query q = g_mode == "phrase"
        ? qp.parse_query("\"" + text + "\"", Xapian::QueryParser::FLAG_PHRASE)
        : qp.parse_query(text, 0);
    if (q.empty()) return;
    enq.set_query(q);
    Xapian::MSet m = enq.get_mset(0, k);
    hits.reserve(m.size());
    for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it)
        hits.push_back(Hit{*it, it.get_weight()});
}

static double percentile(const std::vector<double> &sorted, double p) {
    size_t n = sorted.size();
    if (n == 0) return 0;
    long rank = (long)std::ceil(p / 100.0 * (double)n);
    if (rank < 1) rank = 1;
    if ((size_t)rank > n) rank = (long)n;
    return sorted[(size_t)rank - 1];
}

static int do_search(const char *index_dir, const char *queries_path, unsigned k, double warmup,
                     const std::string &out_prefix) {
    std::vector<std::string> qids, qtexts;
    {
        std::ifstream in(queries_path, std::ios::binary);
        if (!in) { std::fprintf(stderr, "xapian_bench: cannot open %s\n", queries_path); return 1; }
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            size_t t = line.find('\t');
            qids.push_back(line.substr(0, t));
            qtexts.push_back(t == std::string::npos ? std::string() : line.substr(t + 1));
        }
    }
    size_t n = qids.size();
    Xapian::Database db((fs::path(index_dir) / "db").string());
    Xapian::Enquire enq(db);
    enq.set_weighting_scheme(weighting());
    Xapian::QueryParser qp;
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(g_mode == "and" ? Xapian::Query::OP_AND : Xapian::Query::OP_OR);
    qp.set_database(db);

    std::vector<Hit> scratch;
    auto warm_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
    do {
        for (size_t i = 0; i < n; i++) run_query(qp, enq, qtexts[i], k, scratch);
    } while (Clock::now() < warm_end);

    // Timed passes over the whole list (BENCH_PASSES, default 1); a query's time is its
    // fastest, which keeps a busy moment of the machine out of the figures.
    std::vector<std::vector<Hit>> results(n);
    std::vector<double> us(n);
    const char *pv = std::getenv("BENCH_PASSES");
    int passes = pv ? std::atoi(pv) : 1;
    if (passes < 1) passes = 1;
    for (int pass = 0; pass < passes; pass++) {
        for (size_t i = 0; i < n; i++) {
            auto t0 = Clock::now();
            run_query(qp, enq, qtexts[i], k, pass == 0 ? results[i] : scratch);
            auto t1 = Clock::now();
            double t = std::chrono::duration<double>(t1 - t0).count() * 1e6;
            if (pass == 0 || t < us[i]) us[i] = t;
        }
    }
    double total_s = 0;
    for (size_t i = 0; i < n; i++) total_s += us[i] / 1e6;

    FILE *tf = std::fopen((out_prefix + ".times").c_str(), "w");
    FILE *rf = std::fopen((out_prefix + ".run").c_str(), "w");
    if (!tf || !rf) { std::fprintf(stderr, "xapian_bench: cannot write %s.*\n", out_prefix.c_str()); return 1; }
    for (size_t i = 0; i < n; i++) {
        std::fprintf(tf, "%s\t%.3f\n", qids[i].c_str(), us[i]);
        for (size_t j = 0; j < results[i].size(); j++) {
            std::string id = db.get_document(results[i][j].did).get_data();
            std::fprintf(rf, "%s Q0 %s %zu %.6f %s\n", qids[i].c_str(), id.c_str(), j + 1,
                         results[i][j].score, ENGINE);
        }
    }
    if (std::fclose(tf) != 0 || std::fclose(rf) != 0) { std::fprintf(stderr, "xapian_bench: write error\n"); return 1; }

    std::vector<double> sorted(us);
    std::sort(sorted.begin(), sorted.end());
    double mean = n ? total_s * 1e6 / (double)n : 0;
    double qps = total_s > 0 ? (double)n / total_s : 0;
    std::printf("{\"engine\":\"%s\",\"queries\":%zu,\"k\":%u,\"mean_us\":%.3f,\"p50_us\":%.3f,"
                "\"p95_us\":%.3f,\"p99_us\":%.3f,\"qps\":%.1f}\n",
                ENGINE, n, k, mean, percentile(sorted, 50), percentile(sorted, 95),
                percentile(sorted, 99), qps);
    return 0;
}

static int usage() {
    std::fprintf(stderr, "usage: xapian_bench index DOCS.tsv INDEXDIR\n"
                         "       xapian_bench search INDEXDIR QUERIES.tsv K WARMUP_SECONDS OUT_PREFIX [or|and|phrase]\n");
    return 2;
}

int main(int argc, char **argv) {
    try {
        if (argc == 4 && std::strcmp(argv[1], "index") == 0) return do_index(argv[2], argv[3]);
        if ((argc == 7 || argc == 8) && std::strcmp(argv[1], "search") == 0) {
            if (argc == 8) g_mode = argv[7];
            if (g_mode != "or" && g_mode != "and" && g_mode != "phrase") return usage();
            long k = std::strtol(argv[4], nullptr, 10);
            double warm = std::strtod(argv[5], nullptr);
            if (k < 1 || warm < 0) return usage();
            return do_search(argv[2], argv[3], (unsigned)k, warm, argv[6]);
        }
        return usage();
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian_bench: %s\n", e.get_description().c_str());
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "xapian_bench: %s\n", e.what());
        return 1;
    }
}
