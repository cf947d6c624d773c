/*
 * plot_latency.c: query latency CDFs as an SVG picture.
 *
 *   plot_latency OUT.svg TITLE FILE1 LABEL1 [FILE2 LABEL2 ...]
 *
 * Each FILE has lines "qid<TAB>microseconds" (bench_search --out writes
 * them). One line per file shows the share of queries answered within a
 * given time; the time axis is logarithmic because latencies span orders of
 * magnitude and the tail is what matters. The legend gives the mean, median
 * and 99th percentile. The SVG is written by hand: it is plain text, and a
 * benchmark report should not need a plotting library.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 800
#define HEIGHT 500
#define LEFT 80    /* plot area margins: room for tick labels and titles */
#define RIGHT 30
#define TOP 50
#define BOTTOM 60
#define MIN_US 0.1 /* zeros and negatives are drawn here: log(0) is -inf */
#define FONT "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""

/* Distinguishable colours that also survive colour blindness (Okabe-Ito). */
static const char *COLOURS[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};
#define NCOLOURS (sizeof COLOURS / sizeof COLOURS[0])

typedef struct {
    const char *label;
    double *us; /* sorted */
    size_t n, cap;
    double mean, p50, p99;
    size_t skipped; /* lines that were not "qid<TAB>number" */
} Series;

typedef struct {
    double lo, hi; /* log10 of the time axis ends */
} Axis;

static void *grow(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "plot_latency: out of memory\n");
        exit(2);
    }
    return q;
}

static void push(Series *s, double v)
{
    if (s->n == s->cap) s->us = grow(s->us, (s->cap = s->cap ? 2 * s->cap : 1024) * sizeof *s->us);
    s->us[s->n++] = v < MIN_US ? MIN_US : v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The same rank rule as bench_search, so the legend matches its JSON. */
static double pct(const Series *s, double p)
{
    size_t i = (size_t)(p * (double)(s->n - 1) + 0.5);
    return s->us[i < s->n ? i : s->n - 1];
}

static int load(const char *path, Series *s)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "plot_latency: cannot open %s\n", path);
        return -1;
    }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t'), *end;
        double v = tab ? strtod(tab + 1, &end) : 0;
        if (!tab || end == tab + 1 || !isfinite(v)) {
            s->skipped += line[strspn(line, " \t\r\n")] != 0; /* blank lines are fine */
            continue;
        }
        push(s, v);
    }
    fclose(f);
    if (s->n) qsort(s->us, s->n, sizeof *s->us, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++) sum += s->us[i];
    s->mean = s->n ? sum / (double)s->n : 0;
    s->p50 = s->n ? pct(s, 0.50) : 0;
    s->p99 = s->n ? pct(s, 0.99) : 0;
    return 0;
}

/* Whole decades around every value, so the ends carry tick labels. */
static Axis time_axis(const Series *s, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!s[i].n) continue;
        lo = fmin(lo, s[i].us[0]);
        hi = fmax(hi, s[i].us[s[i].n - 1]);
    }
    if (lo > hi) lo = 1, hi = 1000; /* no data at all: any sensible frame */
    Axis a = {floor(log10(lo)), ceil(log10(hi))};
    if (a.hi - a.lo < 1) a.hi = a.lo + 1;
    return a;
}

static double px_x(const Axis *a, double us)
{
    return LEFT + (log10(us) - a->lo) / (a->hi - a->lo) * (WIDTH - LEFT - RIGHT);
}

static double px_y(double percent) { return TOP + (100 - percent) / 100 * (HEIGHT - TOP - BOTTOM); }

/* Text for SVG: the five characters XML reserves are escaped. */
static void put_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* A time in the unit that keeps it short: 850 µs, 12.3 ms, 1.20 s. */
static void fmt_time(char *buf, size_t len, double us)
{
    if (us < 1000) snprintf(buf, len, "%.*f µs", us < 10 ? 1 : 0, us);
    else if (us < 1e6) snprintf(buf, len, "%.*f ms", us < 1e4 ? 2 : 1, us / 1000);
    else snprintf(buf, len, "%.2f s", us / 1e6);
}

static void draw_y_grid(FILE *out)
{
    for (int p = 0; p <= 100; p += 10) {
        double y = px_y(p);
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>\n", LEFT, y, WIDTH - RIGHT, y,
                p % 50 ? "#eeeeee" : "#cccccc");
        if (p % 20 == 0)
            fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"13\">%d%%</text>\n", LEFT - 8, y + 4, p);
    }
}

/* Decade lines with labels at the listed times, faint lines at 2..9 x. */
static void draw_x_grid(FILE *out, const Axis *a)
{
    /* decades -1..8; 0.1 µs is where zeros are drawn */
    static const char *names[] = {"0.1 µs", "1 µs", "10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s", "10 s", "100 s"};
    for (int d = (int)a->lo; d <= (int)a->hi; d++) {
        for (int m = 1; m <= 9 && !(d == (int)a->hi && m > 1); m++) {
            double x = px_x(a, m * pow(10, d));
            const char *colour = m == 1 ? "#cccccc" : "#f0f0f0";
            fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n", x, TOP, x, HEIGHT - BOTTOM, colour);
        }
        if (d >= -1 && d <= 8)
            fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n", px_x(a, pow(10, d)),
                    HEIGHT - BOTTOM + 20, names[d + 1]);
    }
}

static void draw_frame(FILE *out, const char *title, const Axis *a)
{
    fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, HEIGHT);
    fprintf(out, "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">", WIDTH / 2);
    put_text(out, title);
    fprintf(out, "</text>\n");
    draw_y_grid(out);
    draw_x_grid(out, a);
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333333\"/>\n", LEFT, TOP,
            WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\">latency per query (log scale)</text>\n",
            (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 18);
    fprintf(out, "<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">"
                 "queries answered within (%%)</text>\n", (TOP + HEIGHT - BOTTOM) / 2);
}

/* The empirical CDF as a staircase: across to each new pixel column at
 * the old level, then up to the share of queries done by that column.
 * Times that fall in one column make one step, so 100k queries still give
 * a small file. */
static void draw_series(FILE *out, const Series *s, const Axis *a, const char *colour)
{
    if (!s->n) return;
    fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.2\" stroke-linejoin=\"round\" points=\"", colour);
    double level = px_y(0);
    fprintf(out, "%.1f,%.1f", px_x(a, s->us[0]), level);
    for (size_t i = 0, j; i < s->n; i = j) {
        double x = px_x(a, s->us[i]);
        for (j = i; j < s->n && px_x(a, s->us[j]) - x < 0.5; j++) continue;
        fprintf(out, " %.1f,%.1f", x, level);
        level = px_y(100.0 * (double)j / (double)s->n);
        fprintf(out, " %.1f,%.1f", x, level);
    }
    fprintf(out, "\"/>\n");
}

typedef struct {
    int x, y, w, h;
} Box;

/* How much of the curves a box would hide: CDF points (at each 1% of the
 * queries) inside it. */
static size_t hidden(const Box *b, const Series *s, size_t n, const Axis *a)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; s[i].n && k <= 100; k++) {
            size_t r = k * (s[i].n - 1) / 100;
            double x = px_x(a, s[i].us[r]), y = px_y(100.0 * (double)(r + 1) / (double)s[i].n);
            count += x >= b->x && x <= b->x + b->w && y >= b->y && y <= b->y + b->h;
        }
    }
    return count;
}

/* A CDF rises from bottom left to top right, so the top-left and the
 * bottom-right corners are usually free: the legend goes in the freer one. */
static Box legend_box(const Series *s, size_t n, const Axis *a)
{
    const int w = 380, h = 22 * (int)n + 12, pad = 10;
    Box top_left = {LEFT + pad, TOP + pad, w, h};
    Box bottom_right = {WIDTH - RIGHT - w - pad, HEIGHT - BOTTOM - h - pad, w, h};
    return hidden(&top_left, s, n, a) < hidden(&bottom_right, s, n, a) ? top_left : bottom_right;
}

static void draw_legend(FILE *out, const Series *s, size_t n, const Axis *a)
{
    const int row = 22;
    Box b = legend_box(s, n, a);
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999999\"/>\n",
            b.x, b.y, b.w, b.h);
    for (size_t i = 0; i < n; i++) {
        int ly = b.y + 6 + row * (int)i + row / 2;
        fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n", b.x + 10, ly,
                b.x + 34, ly, COLOURS[i % NCOLOURS]);
        fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\">", b.x + 42, ly + 5);
        put_text(out, s[i].label);
        char mean[32], p50[32], p99[32];
        fmt_time(mean, sizeof mean, s[i].mean);
        fmt_time(p50, sizeof p50, s[i].p50);
        fmt_time(p99, sizeof p99, s[i].p99);
        if (s[i].n) fprintf(out, ": mean %s, p50 %s, p99 %s</text>\n", mean, p50, p99);
        else fprintf(out, ": no data</text>\n");
    }
}

static int write_svg(const char *path, const char *title, const Series *s, size_t n)
{
    FILE *out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "plot_latency: cannot write %s\n", path);
        return -1;
    }
    Axis a = time_axis(s, n);
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" %s fill=\"#222222\">\n",
            WIDTH, HEIGHT, WIDTH, HEIGHT, FONT);
    draw_frame(out, title, &a);
    for (size_t i = 0; i < n; i++) draw_series(out, &s[i], &a, COLOURS[i % NCOLOURS]);
    draw_legend(out, s, n, &a);
    fprintf(out, "</svg>\n");
    return fclose(out) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 5 || (argc - 3) % 2) {
        fprintf(stderr, "usage: plot_latency OUT.svg TITLE FILE1 LABEL1 [FILE2 LABEL2 ...]\n");
        return 2;
    }
    size_t n = (size_t)(argc - 3) / 2;
    Series *s = calloc(n, sizeof *s);
    if (!s) return 2;
    for (size_t i = 0; i < n; i++) {
        s[i].label = argv[4 + 2 * i];
        if (load(argv[3 + 2 * i], &s[i]) != 0) return 2;
        if (s[i].skipped) fprintf(stderr, "plot_latency: %s: skipped %zu malformed lines\n", argv[3 + 2 * i], s[i].skipped);
    }
    int rc = write_svg(argv[1], argv[2], s, n);
    for (size_t i = 0; i < n; i++) free(s[i].us);
    free(s);
    return rc ? 2 : 0;
}
