// Peer driver: Lucene 4.10 (Debian liblucene4.10-java), BM25(k1=1.2, b=0.75), EnglishAnalyzer.
//
//   index  DOCS.tsv INDEXDIR
//   search INDEXDIR QUERIES.tsv K WARMUP_SECONDS OUT_PREFIX
//
// DOCS.tsv: id<TAB>title<TAB>text, one Lucene document per line (id: StringField, stored;
// text: TextField, not stored, title + " " + text). QUERIES.tsv: qid<TAB>text; each query is
// the union (BooleanQuery of SHOULD TermQuery clauses, coord disabled) of its distinct
// analysed terms. Timed per query: analysis + query construction + searcher.search(q, K).
// Resolving Lucene doc numbers to stored ids happens after the clock stops.
//
// System properties: -Dbench.forceMerge=false skips forceMerge(1);
// -Dbench.stopwords=none uses EnglishAnalyzer with an empty stop set (default: Lucene's
// English stop words).

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.util.CharArraySet;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.Version;

public final class LuceneBench {
    static final String ENGINE = "lucene";
    static final Version VERSION = Version.LUCENE_4_10_4;
    static final ScoreDoc[] NO_HITS = new ScoreDoc[0];

    static Analyzer analyzer() {
        if ("none".equals(System.getProperty("bench.stopwords")))
            return new EnglishAnalyzer(VERSION, CharArraySet.EMPTY_SET);
        return new EnglishAnalyzer(VERSION);
    }

    static BM25Similarity similarity() {
        return new BM25Similarity(1.2f, 0.75f);
    }

    static BufferedReader open(String path) throws IOException {
        return new BufferedReader(new InputStreamReader(new FileInputStream(path), StandardCharsets.UTF_8), 1 << 20);
    }

    static long dirBytes(File dir) {
        long total = 0;
        File[] files = dir.listFiles();
        if (files == null) return 0;
        for (File f : files) total += f.isDirectory() ? dirBytes(f) : f.length();
        return total;
    }

    static void index(String docsPath, String indexDir) throws IOException {
        long t0 = System.nanoTime();
        File dir = new File(indexDir);
        dir.mkdirs();
        boolean merge = !"false".equals(System.getProperty("bench.forceMerge"));
        IndexWriterConfig cfg = new IndexWriterConfig(VERSION, analyzer())
            .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
            .setRAMBufferSizeMB(256.0)
            .setSimilarity(similarity());
        long n = 0;
        int segments;
        try (MMapDirectory d = new MMapDirectory(dir);
             IndexWriter w = new IndexWriter(d, cfg);
             BufferedReader in = open(docsPath)) {
            // One Document reused for every line, fields reset per line.
            Document doc = new Document();
            Field idField = new StringField("id", "", Field.Store.YES);
            Field textField = new TextField("text", "", Field.Store.NO);
            doc.add(idField);
            doc.add(textField);
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) continue;
                int t1 = line.indexOf('\t');
                String id, body;
                if (t1 < 0) {
                    id = line;
                    body = "";
                } else {
                    id = line.substring(0, t1);
                    int t2 = line.indexOf('\t', t1 + 1);
                    // title + " " + text (the tab between them becomes a space)
                    body = t2 < 0 ? line.substring(t1 + 1)
                                  : line.substring(t1 + 1, t2) + " " + line.substring(t2 + 1);
                }
                idField.setStringValue(id);
                textField.setStringValue(body);
                w.addDocument(doc);
                n++;
            }
            if (merge) w.forceMerge(1);
            w.commit();
            w.close();
            try (DirectoryReader r = DirectoryReader.open(d)) {
                segments = r.leaves().size();
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT,
            "{\"engine\":\"%s\",\"docs\":%d,\"seconds\":%.3f,\"index_bytes\":%d,\"force_merge\":%b,\"segments\":%d}%n",
            ENGINE, n, secs, dirBytes(dir), merge, segments);
    }

    /** Distinct analysed terms of a query, in order of first appearance. */
    static BooleanQuery buildQuery(Analyzer a, String text) throws IOException {
        Set<String> terms = new LinkedHashSet<>();
        try (TokenStream ts = a.tokenStream("text", new StringReader(text))) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) terms.add(term.toString());
            ts.end();
        }
        if (terms.isEmpty()) return null;
        BooleanQuery q = new BooleanQuery(true); // coord disabled: plain sum of BM25 terms
        for (String t : terms) q.add(new TermQuery(new Term("text", t)), BooleanClause.Occur.SHOULD);
        return q;
    }

    static ScoreDoc[] runQuery(IndexSearcher s, Analyzer a, String text, int k) throws IOException {
        BooleanQuery q = buildQuery(a, text);
        if (q == null) return NO_HITS;
        TopDocs td = s.search(q, k);
        return td.scoreDocs;
    }

    static double percentile(double[] sorted, double p) {
        // nearest rank: the smallest value with at least p% of the values at or below it
        int n = sorted.length;
        if (n == 0) return 0;
        int rank = (int) Math.ceil(p / 100.0 * n);
        if (rank < 1) rank = 1;
        if (rank > n) rank = n;
        return sorted[rank - 1];
    }

    static void search(String indexDir, String queriesPath, int k, double warmup, String outPrefix) throws IOException {
        List<String> qids = new ArrayList<>();
        List<String> qtexts = new ArrayList<>();
        try (BufferedReader in = open(queriesPath)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) continue;
                int t = line.indexOf('\t');
                qids.add(t < 0 ? line : line.substring(0, t));
                qtexts.add(t < 0 ? "" : line.substring(t + 1));
            }
        }
        int n = qids.size();
        BooleanQuery.setMaxClauseCount(Math.max(BooleanQuery.getMaxClauseCount(), 1 << 16));
        Analyzer a = analyzer();
        try (MMapDirectory d = new MMapDirectory(new File(indexDir));
             DirectoryReader r = DirectoryReader.open(d)) {
            IndexSearcher s = new IndexSearcher(r);
            s.setSimilarity(similarity());

            // Warm-up: whole query list, repeatedly, until WARMUP_SECONDS have passed (at least once).
            long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
            long sink = 0;
            do {
                for (int i = 0; i < n; i++) sink += runQuery(s, a, qtexts.get(i), k).length;
            } while (System.nanoTime() < warmEnd);

            // Timed passes over the whole list (BENCH_PASSES, default 1); a query's time is its
            // fastest, which keeps a busy moment of the machine out of the figures.
            ScoreDoc[][] results = new ScoreDoc[n][];
            double[] us = new double[n];
            int passes = passes();
            for (int pass = 0; pass < passes; pass++) {
                for (int i = 0; i < n; i++) {
                    String text = qtexts.get(i);
                    long t0 = System.nanoTime();
                    ScoreDoc[] hits = runQuery(s, a, text, k);
                    long dt = System.nanoTime() - t0;
                    if (pass == 0) results[i] = hits;
                    if (pass == 0 || dt / 1e3 < us[i]) us[i] = dt / 1e3;
                }
            }
            double totalNs = 0;
            for (int i = 0; i < n; i++) totalNs += us[i] * 1e3;

            // Outputs (ids resolved from stored fields, untimed).
            Set<String> idOnly = Collections.singleton("id");
            try (BufferedWriter tw = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(outPrefix + ".times"), StandardCharsets.UTF_8));
                 BufferedWriter rw = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(outPrefix + ".run"), StandardCharsets.UTF_8))) {
                for (int i = 0; i < n; i++) {
                    tw.write(String.format(Locale.ROOT, "%s\t%.3f%n", qids.get(i), us[i]));
                    ScoreDoc[] hits = results[i];
                    for (int j = 0; j < hits.length; j++) {
                        String id = s.doc(hits[j].doc, idOnly).get("id");
                        rw.write(String.format(Locale.ROOT, "%s Q0 %s %d %.6f %s%n", qids.get(i), id, j + 1, hits[j].score, ENGINE));
                    }
                }
            }
            double[] sorted = us.clone();
            Arrays.sort(sorted);
            double mean = n == 0 ? 0 : (totalNs / 1e3) / n;
            double qps = totalNs == 0 ? 0 : n / (totalNs / 1e9);
            System.out.printf(Locale.ROOT,
                "{\"engine\":\"%s\",\"queries\":%d,\"k\":%d,\"mean_us\":%.3f,\"p50_us\":%.3f,\"p95_us\":%.3f,\"p99_us\":%.3f,\"qps\":%.1f}%n",
                ENGINE, n, k, mean, percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99), qps);
            if (sink == 42) System.err.print(""); // keep the warm-up from being optimised away
        }
    }

    /* How many timed passes: the BENCH_PASSES environment variable, as for every driver. */
    static int passes() {
        String v = System.getenv("BENCH_PASSES");
        int p = v == null ? 1 : Integer.parseInt(v.trim());
        return p < 1 ? 1 : p;
    }

    static void usage() {
        System.err.println("usage: LuceneBench index DOCS.tsv INDEXDIR\n"
            + "       LuceneBench search INDEXDIR QUERIES.tsv K WARMUP_SECONDS OUT_PREFIX");
        System.exit(2);
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 3 && args[0].equals("index")) {
            index(args[1], args[2]);
        } else if (args.length == 6 && args[0].equals("search")) {
            int k = Integer.parseInt(args[3]);
            double warm = Double.parseDouble(args[4]);
            if (k < 1 || warm < 0) usage();
            search(args[1], args[2], k, warm, args[5]);
        } else {
            usage();
        }
    }
}
