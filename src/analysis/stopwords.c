/*
 * stopwords.c: the English stop list.
 *
 * The words are those of the Snowball project's English stop list: the
 * pronouns, auxiliaries, articles, conjunctions and prepositions that occur
 * in nearly every English document and so carry almost no ranking signal.
 * The contractions are there because the tokenizer keeps "don’t" whole and
 * the folder turns its apostrophe into '.
 *
 * The array is kept sorted only for the reader; lookups go through a hash
 * table built from it on first use.
 */
#include "analysis/analysis.h"
#include "util/util.h"

#include <pthread.h>
#include <string.h>

static const char *const STOPWORDS[] = {
    "a", "about", "above", "after", "again", "against", "all", "am",
    "an", "and", "any", "are", "aren't", "as", "at", "be",
    "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can't", "cannot", "could", "couldn't", "did", "didn't", "do",
    "does", "doesn't", "doing", "don't", "down", "during", "each", "few",
    "for", "from", "further", "had", "hadn't", "has", "hasn't", "have",
    "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here",
    "here's", "hers", "herself", "him", "himself", "his", "how", "how's",
    "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into",
    "is", "isn't", "it", "it's", "its", "itself", "let's", "me",
    "more", "most", "mustn't", "my", "myself", "no", "nor", "not",
    "of", "off", "on", "once", "only", "or", "other", "ought",
    "our", "ours", "ourselves", "out", "over", "own", "same", "shan't",
    "she", "she'd", "she'll", "she's", "should", "shouldn't", "so", "some",
    "such", "than", "that", "that's", "the", "their", "theirs", "them",
    "themselves", "then", "there", "there's", "these", "they", "they'd", "they'll",
    "they're", "they've", "this", "those", "through", "to", "too", "under",
    "until", "up", "very", "was", "wasn't", "we", "we'd", "we'll",
    "we're", "we've", "were", "weren't", "what", "what's", "when", "when's",
    "where", "where's", "which", "while", "who", "who's", "whom", "why",
    "why's", "with", "won't", "would", "wouldn't", "you", "you'd", "you'll",
    "you're", "you've", "your", "yours", "yourself", "yourselves",
};

#define NSTOPWORDS (sizeof STOPWORDS / sizeof STOPWORDS[0])
#define STOPWORD_MAX_LEN 10 /* "themselves", "yourselves" */
#define TABLE_SLOTS 512     /* power of two, over twice NSTOPWORDS: short probes */

/* Open-addressing table over STOPWORDS, built once. A hash probe costs a
 * few nanoseconds where a binary search mispredicts a branch per step, and
 * the check runs on every token when stop words are on. */
static uint8_t table[TABLE_SLOTS]; /* index into STOPWORDS + 1, 0 = empty */
static uint8_t lengths[NSTOPWORDS];
/* pthread_once, not C11's call_once: glibc's call_once reaches pthread_once
 * inside libc, where ThreadSanitizer cannot see it, so every worker's first
 * look-up was reported as racing with the table's building. */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
_Static_assert(NSTOPWORDS < 255 && 2 * NSTOPWORDS < TABLE_SLOTS, "stop word table too small");

static void build_table(void)
{
    for (size_t w = 0; w < NSTOPWORDS; w++) {
        size_t len = strlen(STOPWORDS[w]);
        lengths[w] = (uint8_t)len;
        size_t i = hash_bytes(STOPWORDS[w], len) & (TABLE_SLOTS - 1);
        while (table[i]) i = (i + 1) & (TABLE_SLOTS - 1);
        table[i] = (uint8_t)(w + 1);
    }
}

int is_stopword(const char *term, size_t len)
{
    if (len == 0 || len > STOPWORD_MAX_LEN) return 0;
    pthread_once(&table_once, build_table);
    size_t i = hash_bytes(term, len) & (TABLE_SLOTS - 1);
    for (; table[i]; i = (i + 1) & (TABLE_SLOTS - 1)) {
        size_t w = table[i] - 1u;
        if (lengths[w] == len && memcmp(STOPWORDS[w], term, len) == 0) return 1;
    }
    return 0;
}
