#!/bin/sh
# test_query_language.sh: the query language end to end on corpus/: phrases
# (and their highlighting), required and excluded words, AND / OR / NOT,
# groups, fields, prefixes and their bound, --explain, --per-article, and
# odd queries. Each check reads the hits' own text, title or scores.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

IDX=$TMP/idx
expect_exit 0 "index the seed corpus" "$SEARCH" index --corpus corpus --index "$IDX" --quiet
q() { expect_exit "$1" "$2" search_hits --index "$IDX" -k 20 "$3"; }
# every_text REGEX: each hit's text matches (case-insensitive); none_text: none does
every_text() { [ -s "$TMP/out" ] && ! jq -r '.text | gsub("\n"; " ")' "$TMP/out" | grep -qiv -E "$1"; }
none_text() { [ -s "$TMP/out" ] && ! jq -r '.text | gsub("\n"; " ")' "$TMP/out" | grep -qi -E "$1"; }
# an unfielded word matches the text or the article's title (headings are in the text)
every_text_or_title() { [ -s "$TMP/out" ] && ! jq -r '(.title + " " + .text) | gsub("\n"; " ")' "$TMP/out" | grep -qiv -E "$1"; }
hits() { wc -l <"$TMP/out"; }

# ---- phrases ----
q 0 "a phrase" '"suicidal ideation"'
ok "phrase: every hit has the words next to each other" every_text 'suicidal[[:space:]]+ideation'
expect_exit 0 "another phrase" search_hits --index "$IDX" -k 1000 '"mental health"'
N_PHRASE=$(hits)
expect_exit 0 "the same words as a bag" search_hits --index "$IDX" -k 1000 'mental health'
ok "phrase: fewer hits than the bag of words" test "$N_PHRASE" -lt "$(hits)"
q 0 "a phrase of stemmed forms" '"reducing suicidal ideations"'
ok "stemmed phrase: a hit says 'reduce suicidal ideation'" sh -c "jq -r .text '$TMP/out' | grep -qi 'reduce suicidal ideation'"
q 1 "a phrase in the wrong order" '"ideation suicidal"'
q 1 "words apart, as an exact phrase" '"mental treatment"'
q 0 "words apart, within a slop of 2" '"mental treatment"~2'
ok "sloppy phrase: in order, at most 2 words between" \
    every_text 'mental[^[:alpha:]]+([[:alpha:]]+[^[:alpha:]]+){0,2}treatment'
expect_exit 0 "phrase, text output" "$SEARCH" --index "$IDX" --no-color -k 1 '"suicidal ideation"'
ok "a phrase is highlighted as one span" grep -qi '\*\*suicidal ideation\*\*' "$TMP/out"
q 0 "phrase highlights in JSON" '"suicidal ideation"'
ok "JSON: each hit's highlights cover the whole phrase" \
    sh -c "jq -e '[.highlights[] | .[1] - .[0]] | all(. == 17)' '$TMP/out' >/dev/null"

# ---- required, excluded, operators, groups ----
q 0 "ketamine -depression" 'ketamine -depression'
ok "excluded: no hit mentions depression" none_text '(^|[^a-z])depress'
ok "excluded: every hit has ketamine (text or title)" every_text_or_title 'ketamine'
q 0 "+ketamine +addiction" '+ketamine +addiction'
ok "required: every hit has ketamine (text or title)" every_text_or_title 'ketamine'
ok "required: every hit has addiction (text or title)" every_text_or_title 'addict'
N_AND=$(hits)
q 0 "ketamine AND addiction" 'ketamine AND addiction'
ok "AND reads as two required words" test "$(hits)" -eq "$N_AND"
q 0 "NOT" 'microdosing NOT psilocybin'
ok "NOT excludes" none_text 'psilocybin'
q 0 "a required group" '+ketamine +(anxiety OR ptsd)'
ok "group: every hit has ketamine" every_text_or_title 'ketamine'
ok "group: every hit has anxiety or ptsd" every_text 'anxiety|ptsd'

# ---- fields ----
q 0 "title:microdosing" 'title:microdosing'
ok "title field: every hit's article title has it" \
    sh -c "! jq -r .title '$TMP/out' | grep -qiv microdosing"
q 0 "title: phrase" 'title:"mental health"'
ok "title phrase: every title has it" sh -c "! jq -r .title '$TMP/out' | grep -qiv 'mental health'"
q 0 "heading field" 'heading:suicidal'
ok "heading field: the hit starts with that heading" \
    sh -c "head -n 1 '$TMP/out' | jq -r .text | head -n 1 | grep -qi suicidal"

# ---- prefixes ----
q 0 "neuro*" 'neuro*'
ok "prefix: every hit has a word starting with neuro" every_text '(^|[^a-z])neuro'
expect_exit 0 "body: restricts a word to the text" search_hits --index "$IDX" -k 100 '+body:ketamine +body:addiction'
ok "body: every hit's text has ketamine" every_text 'ketamine'
ok "body: every hit's text has addiction" every_text 'addict'
ok "prefix: no note when under the bound" test ! -s "$TMP/err"
expect_exit 0 "a prefix over its bound" search_hits --index "$IDX" --max-expansions 1 'neuro*'
ok "the bound is reported on stderr" grep -q "most frequent" "$TMP/err"

# ---- explain and per-article ----
expect_exit 0 "--explain" search_hits --index "$IDX" --explain 'ketamine "suicidal ideation"'
ok "explain: the parts add up to each hit's score" \
    sh -c "jq -s -e 'all(.[]; ((.explain.score - .score) | fabs) < 1e-4 and (([.explain.parts[].score] | add) - .explain.score | fabs) < 1e-3)' '$TMP/out' >/dev/null"
ok "explain: the phrase is a part with its frequency" \
    sh -c "head -n 1 '$TMP/out' | jq -e '[.explain.parts[] | select(.phrase)] | length == 1 and .[0].tf >= 1' >/dev/null"
expect_exit 0 "--explain (text)" "$SEARCH" --index "$IDX" --no-color -k 1 --explain 'ketamine therapy'
ok "explain text: the sum line and a body part" \
    sh -c "grep -q '= sum of the parts' '$TMP/out' && grep -q 'body:ketamin ' '$TMP/out'"
expect_exit 0 "--per-article 2" search_hits --index "$IDX" -k 3 --per-article 2 'ketamine depression'
ok "per-article: 3 articles" test "$(jq -r .article "$TMP/out" | uniq | wc -l)" -eq 3
ok "per-article: each listed once, in one run" test "$(jq -r .article "$TMP/out" | uniq | sort | uniq -d | wc -l)" -eq 0
ok "per-article: at most 2 passages each" sh -c "! jq -r .article_hit '$TMP/out' | grep -qv '^[12]$'"
ok "per-article: passages best first within an article" \
    sh -c "jq -s -e '[group_by(.rank)[] | [.[].score] | . == (sort | reverse)] | all' '$TMP/out' >/dev/null"
expect_exit 2 "--per-article with --queries is refused" "$SEARCH" --index "$IDX" --per-article 2 --queries /dev/null
ok "... with one line" one_line_error

# ---- odd queries: a sensible reading, never a crash ----
for odd in '"unbalanced quote' '(ketamine' 'ketamine)' '-' '+' 'AND' 'ketamine AND' '((((((((((((((((((((((((((((((((((((((((ketamine' \
           '"ketamine"~x' 'title:' '*' 'neuro**' 'ketamine^2' '\\' '"' '""' '+-ketamine' 'NOT NOT ketamine'; do
    search_hits --index "$IDX" -- "$odd" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    ok "odd query [$odd]: exit 0 or 1" test "$rc" -le 1
done
q 0 "an unbalanced quote reads as a phrase to the end" '"suicidal ideation'
ok "... whose hits have the phrase" every_text 'suicidal[[:space:]]+ideation'
expect_exit 1 "only an excluded word" "$SEARCH" --index "$IDX" -- -ketamine
ok "... says why" grep -q "only excludes" "$TMP/err"

summary test_query_language
