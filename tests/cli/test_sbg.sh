#!/bin/sh
# test_sbg.sh: the search-benchmark-game protocol. sbg-index builds an index
# from JSON lines (escapes, unicode, digits, fields in any order, extra
# fields); sbg-serve answers COMMAND<TAB>query lines, one flushed line each,
# with counts worked out by hand from the small corpus below; malformed JSON
# is a one-line error with the line number and exit 2; the query language
# (phrases, -word, AND, fo*, groups) answers as Lucene would; unknown
# commands answer UNSUPPORTED.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

# Tokens are runs of letters, folded, not stemmed:
#   a1: the quick brown fox jumps over the lazy dog
#   a2: a fox and a dog played in the yard
#   42: cafe naive resume fox dog co operate
#   a b: o neil s rd report αθηνα strasse ete
#   a5: (no letters)
#   a6: (empty: skipped)
#   a7: cat dog abc back slash tab tab zero (a NUL separates)
#   a8: unpaired surrogates become U+FFFD, which separates: left right
cat >"$TMP/corpus.json" <<'EOF'
{"id": "a1", "text": "The quick brown fox jumps over the lazy dog."}
{"text": "A fox\nand a \"dog\"\tplayed\r\nin the yard", "id": "a2"}

{"id": 42, "text": "Caf\u00e9 na\u00efve r\u00E9sum\u00e9 \ud83d\ude00 fox2dog co-operate"}
{"id": "a\tb", "extra": {"x": [1, -2.5e3, {"y": null}], "z": [true, false, "\"}"]}, "text": "O'Neil's 3rd report: ΑΘΗΝΑ Straße e\u0301te"}
  {"id":"a5","text":"1234 5678"}  
{"id": "a6", "text": ""}
{"id":"a7","text":"cat\/dog \u0041BC back\\slash \/ tab\ttab\u0000zero"}
{"id": "a8", "text": "left\ud800right"}
EOF
IDX=$TMP/idx
expect_exit 0 "sbg-index the small corpus" sh -c "'$SEARCH' sbg-index '$IDX' <'$TMP/corpus.json'"
ok "sbg-index reports its counts" grep -q '8 documents read, 7 indexed (1 without text skipped)' "$TMP/err"
ok "no temporary file left" sh -c "! ls '$TMP' | grep -q sbg"

# one passage per document, ids as given (a tab in an id becomes a space)
expect_exit 0 "the index answers ordinary searches" search_hits --index "$IDX" -k 100 dog
ok "dog: one hit per document, ids kept" test "$(jq -r .article "$TMP/out" | sort | tr '\n' ' ')" = "42 a1 a2 a7 "
expect_exit 0 "a tab inside an id" search_hits --index "$IDX" neil
ok "the id with a tab" test "$(jq -r .article "$TMP/out")" = "a b"

# script of commands and the answers worked out from the corpus above
TAB=$(printf '\t')
cat >"$TMP/script" <<EOF
COUNT${TAB}fox
COUNT${TAB}dog
COUNT${TAB}the
COUNT${TAB}+fox +dog
COUNT${TAB}+the +fox
COUNT${TAB}+dog +cat
COUNT${TAB}+the +cat
COUNT${TAB}+fox +zzzz
COUNT${TAB}fox zzzz
COUNT${TAB}zzzz
COUNT${TAB}fox dog cat
COUNT${TAB}the fox
COUNT${TAB}café
COUNT${TAB}CAFE naive
COUNT${TAB}straße
COUNT${TAB}Αθηνα
COUNT${TAB}été
COUNT${TAB}+o +neil +s
COUNT${TAB}o'neil
COUNT${TAB}3rd
COUNT${TAB}1234
COUNT${TAB}
COUNT${TAB}abc back slash
COUNT${TAB}+tab
COUNT${TAB}+tab +zero
COUNT${TAB}left right
COUNT${TAB}+fox   +fox
UNOPTIMIZED_COUNT${TAB}dog
TOP_10${TAB}fox
TOP_10${TAB}zzzz
TOP_100${TAB}+fox +dog
TOP_1000${TAB}the fox
TOP_5${TAB}dog
TOP_10_COUNT${TAB}fox
TOP_100_COUNT${TAB}+fox +dog
TOP_1000_COUNT${TAB}the fox
TOP_1_COUNT${TAB}dog
TOP_10_COUNT${TAB}zzzz
COUNT${TAB}"fox dog"
COUNT${TAB}+fox dog
COUNT${TAB}fox -dog
COUNT${TAB}fox AND dog
COUNT${TAB}text:fox
COUNT${TAB}fo*
COUNT${TAB}(fox dog)
COUNT${TAB}+o'neil
COUNT${TAB}+
TOP_10_FF${TAB}fox
TOP_0${TAB}fox
TOP_10001${TAB}fox
TOP_010${TAB}fox
count${TAB}fox
SEARCH${TAB}fox
COUNT fox
COUNT${TAB}fox
EOF
printf 'COUNT\tfox\r\n' >>"$TMP/script"
cat >"$TMP/want" <<'EOF'
3
4
2
3
2
1
0
0
3
0
4
3
1
1
1
1
1
1
1
1
0
0
1
1
1
1
3
4
1
1
1
1
1
3
3
3
4
0
1
3
0
3
3
3
4
1
0
UNSUPPORTED
UNSUPPORTED
UNSUPPORTED
UNSUPPORTED
UNSUPPORTED
UNSUPPORTED
UNSUPPORTED
3
3
EOF
expect_exit 0 "sbg-serve answers the script" sh -c "'$SEARCH' sbg-serve '$IDX' <'$TMP/script'"
ok "one answer per line, as worked out by hand" cmp -s "$TMP/out" "$TMP/want"
cmp -s "$TMP/out" "$TMP/want" || paste "$TMP/script" "$TMP/out" "$TMP/want" | head -80
ok "serve writes nothing on stderr" test ! -s "$TMP/err"

# the same with other BM25 parameters: rankings change, counts do not
expect_exit 0 "sbg-serve --k1 --b" sh -c "'$SEARCH' sbg-serve --k1 1.2 --b 0.75 '$IDX' <'$TMP/script'"
ok "same answers with k1=1.2 b=0.75" cmp -s "$TMP/out" "$TMP/want"

# each answer is flushed before the next command arrives
mkfifo "$TMP/in" "$TMP/outp"
"$SEARCH" sbg-serve "$IDX" <"$TMP/in" >"$TMP/outp" 2>/dev/null &
SERVER=$!
exec 3>"$TMP/in" 4<"$TMP/outp"
answer() { printf '%s\t%s\n' "$1" "$2" >&3; timeout 10 sh -c 'read -r a; echo "$a"' <&4; }
ok "interactive: first answer arrives" test "$(answer COUNT fox)" = 3
ok "interactive: second answer arrives" test "$(answer TOP_10_COUNT '+fox +dog')" = 3
ok "interactive: a phrase is answered" test "$(answer COUNT '"fox dog"')" = 1
ok "interactive: UNSUPPORTED arrives" test "$(answer TOP_0 fox)" = UNSUPPORTED
exec 3>&-
wait "$SERVER"
ok "interactive: exits 0 at the end of input" test $? -eq 0
exec 4<&-

# a document longer than the largest passage size stays one document
{ printf '{"id": "long", "text": "'; yes 'lorem' | head -n 100050 | tr '\n' ' '; printf 'ipsum"}\n'
  printf '{"id": "short", "text": "lorem"}\n'; } >"$TMP/long.json"
expect_exit 0 "sbg-index a document of 100051 words" sh -c "'$SEARCH' sbg-index --quiet '$TMP/long' <'$TMP/long.json'"
ok "sbg-index --quiet is quiet" test ! -s "$TMP/err"
printf 'COUNT\tlorem\nCOUNT\t+lorem +ipsum\nTOP_10_COUNT\tlorem ipsum\n' >"$TMP/long.q"
expect_exit 0 "serve the long document" sh -c "'$SEARCH' sbg-serve '$TMP/long' <'$TMP/long.q'"
ok "the long document counts once" test "$(tr '\n' ' ' <"$TMP/out")" = "2 1 2 "

# malformed input: exit 2, one line naming the line, no index, no temp file
bad() { # bad DESCRIPTION LINE2: a good first line, then LINE2
    printf '{"id": "ok", "text": "fine"}\n%s\n{"id": "ok2", "text": "fine"}\n' "$2" >"$TMP/bad.json"
    rm -rf "$TMP/badidx"
    expect_exit 2 "malformed: $1" sh -c "'$SEARCH' sbg-index '$TMP/badidx' <'$TMP/bad.json'"
    ok "malformed: $1: one line naming line 2" sh -c "one_line() { [ \$(wc -l <'$TMP/err') -eq 1 ]; }; one_line && grep -q '^search: sbg-index: stdin line 2: ' '$TMP/err'"
    ok "malformed: $1: no index, no temporary file" sh -c "! ls '$TMP' | grep -q -e sbg -e badidx"
}
bad "unterminated string" '{"id": "x", "text": "abc}'
bad "missing comma" '{"id": "x" "text": "y"}'
bad "bad escape" '{"id": "x", "text": "a\qb"}'
bad "bad \u escape" '{"id": "x", "text": "a\u12G4"}'
bad "missing text" '{"id": "x"}'
bad "missing id" '{"text": "x"}'
bad "not an object" '["id", "text"]'
bad "text after the object" '{"id": "x", "text": "y"} z'
bad "text not a string" '{"id": "x", "text": 5}'
bad "id not a string" '{"id": null, "text": "y"}'
bad "control character in a string" "$(printf '{"id": "x", "text": "a\001b"}')"
bad "bad number" '{"id": "x", "n": 01, "text": "y"}'
bad "unclosed nested value" '{"id": "x", "n": [1, {"a": 2}, "text": "y"}'
bad "truncated line" '{"id": "x", "te'

expect_exit 2 "no documents at all" sh -c "'$SEARCH' sbg-index '$TMP/none' </dev/null"
ok "no documents: one-line error" one_line_error
expect_exit 2 "sbg-index without a directory" "$SEARCH" sbg-index
ok "usage error: one line" one_line_error
expect_exit 2 "sbg-serve of a missing index" sh -c "'$SEARCH' sbg-serve '$TMP/missing' </dev/null"
ok "missing index: one-line error" one_line_error
expect_exit 2 "sbg-serve with a bad --k1" "$SEARCH" sbg-serve --k1 x "$IDX"
ok "bad --k1: one-line error" one_line_error

summary sbg
