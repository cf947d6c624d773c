#!/bin/sh
# test_conventions.sh: the command line as grep, ripgrep and Xapian's tools
# have taught people to expect it: --version, --help on every command,
# --opt=VALUE, --color=WHEN with TERM and NO_COLOR, a query on stdin, the
# JSON lines (begin, hits, end, summary; a schema version; character
# offsets), --json with --queries, and a query word that is also a
# command's name.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

IDX=$TMP/idx
expect_exit 0 "index the seed corpus" "$SEARCH" index --corpus corpus --index "$IDX" --quiet

# ---- --version, --help ----
expect_exit 0 "--version" "$SEARCH" --version
ok "--version: 'search X.Y.Z' on stdout" grep -qE '^search [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/out"
ok "--version: nothing on stderr" test ! -s "$TMP/err"
expect_exit 0 "--version among search options" "$SEARCH" --index "$IDX" --version
for cmd in "" index check eval serve sbg-index sbg-serve; do
    # shellcheck disable=SC2086 # $cmd is one word or none
    expect_exit 0 "search $cmd --help exits 0" "$SEARCH" $cmd --help
    ok "search $cmd --help: usage on stdout" grep -q "^usage: search ${cmd:+$cmd }" "$TMP/out"
    ok "search $cmd --help: nothing on stderr" test ! -s "$TMP/err"
done
expect_exit 0 "-h among search options" "$SEARCH" --index "$IDX" -h
ok "... the search usage" grep -q "^usage: search \[options\] QUERY" "$TMP/out"
expect_exit 2 "-hello is not -h" "$SEARCH" --index "$IDX" -hello
ok "... but an unknown option" grep -q "unknown option '-hello'" "$TMP/err"
expect_exit 0 "search index -h" "$SEARCH" index -h
ok "search index -h: the index options" grep -q -- "--passage-words" "$TMP/out"
expect_exit 0 "search help check" "$SEARCH" help check
ok "search help check: check's usage" grep -q "^usage: search check" "$TMP/out"
expect_exit 0 "search check --index DIR --help" "$SEARCH" check --index "$IDX" --help
ok "... prints the usage, checks nothing" sh -c "grep -q '^usage: search check' '$TMP/out' && ! grep -q sound '$TMP/out'"

# ---- getopt_long forms: --opt=VALUE, --opt VALUE, -kN ----
expect_exit 0 "--index=DIR -k3" search_hits --index="$IDX" -k3 ketamine
ok "--index=DIR -k3: 3 hits" test "$(wc -l <"$TMP/out")" -eq 3
cp "$TMP/out" "$TMP/eq.json"
expect_exit 0 "--index DIR -k 3" search_hits --index "$IDX" -k 3 ketamine
ok "the two forms agree" cmp -s "$TMP/out" "$TMP/eq.json"
expect_exit 0 "options after the query words" search_hits ketamine --index="$IDX" -k 3
ok "... agree too" cmp -s "$TMP/out" "$TMP/eq.json"
expect_exit 0 "index --corpus=PATH --index=DIR" "$SEARCH" index --corpus=corpus --index="$TMP/idx2" --quiet
ok "... builds there" test -s "$TMP/idx2/CURRENT"
expect_exit 0 "check --index=DIR" "$SEARCH" check --index="$IDX"
expect_exit 2 "--index= empty" "$SEARCH" --index= ketamine
ok "... one line" one_line_error
expect_exit 2 "an option without its value" "$SEARCH" --index "$IDX" ketamine --k1
ok "... one line naming it" grep -q -- '--k1 needs a value' "$TMP/err"
expect_exit 2 "an unknown long option" "$SEARCH" --index "$IDX" --bogus=1 ketamine
ok "... named as typed" grep -q -- "unknown option '--bogus=1'" "$TMP/err"
expect_exit 2 "a query word starting with - without --" "$SEARCH" --index "$IDX" ketamine -depression
ok "... named as typed, with the way out" grep -q -- "unknown option '-depression'.*use --" "$TMP/err"
expect_exit 2 "an unknown index option" "$SEARCH" index --index "$TMP/idx3" --bogus
ok "... one line" one_line_error
ok "... and no index" test ! -e "$TMP/idx3"

# ---- colour: --color=WHEN, TERM=dumb, NO_COLOR ----
ESC=$(printf '\033')
has_esc() { grep -q "$ESC" "$1"; }
expect_exit 0 "--color=always" "$SEARCH" --index "$IDX" --color=always ketamine
ok "--color=always: escape codes" has_esc "$TMP/out"
expect_exit 0 "--color=never" "$SEARCH" --index "$IDX" --color=never ketamine
ok "--color=never: none" sh -c "! grep -q '$ESC' '$TMP/out'"
expect_exit 0 "--color=auto, piped" "$SEARCH" --index "$IDX" --color=auto ketamine
ok "--color=auto, piped: none" sh -c "! grep -q '$ESC' '$TMP/out'"
expect_exit 0 "--color alone is always" "$SEARCH" --index "$IDX" --color ketamine
ok "--color: escape codes" has_esc "$TMP/out"
expect_exit 2 "--color=sometimes" "$SEARCH" --index "$IDX" --color=sometimes ketamine
ok "... one line naming the choices" sh -c "grep -q 'auto, always or never' '$TMP/err' && test \$(wc -l <'$TMP/err') -eq 1"
# on a terminal (script(1) gives one): colour unless TERM is dumb or
# NO_COLOR is set to something
on_tty() { # on_tty OUT ENV...: search ketamine on a pseudo-terminal
    out=$1; shift
    env "$@" script -qec "'$SEARCH' --index '$IDX' -k 1 ketamine" /dev/null >"$out" 2>&1 </dev/null
}
if script -qec true /dev/null >/dev/null 2>&1 </dev/null; then
    on_tty "$TMP/tty" TERM=xterm
    ok "a terminal: colour" has_esc "$TMP/tty"
    on_tty "$TMP/tty" TERM=xterm NO_COLOR=
    ok "... with an empty NO_COLOR too (no-color.org: empty is unset)" has_esc "$TMP/tty"
    on_tty "$TMP/tty" TERM=dumb
    ok "a terminal with TERM=dumb: no colour" sh -c "! grep -q '$ESC' '$TMP/tty' && grep -q 'ketamine' '$TMP/tty'"
    on_tty "$TMP/tty" TERM=xterm NO_COLOR=1
    ok "a terminal with NO_COLOR=1: no colour" sh -c "! grep -q '$ESC' '$TMP/tty' && grep -q 'ketamine' '$TMP/tty'"
    env TERM=dumb script -qec "'$SEARCH' --index '$IDX' -k 1 --color=always ketamine" /dev/null >"$TMP/tty" 2>&1 </dev/null
    ok "--color=always beats TERM=dumb" has_esc "$TMP/tty"
else
    skip "colour on a terminal: script(1) cannot make a pseudo-terminal here"
fi

# ---- a query on stdin ----
expect_exit 0 "the query as words" search_hits --index "$IDX" -k 5 suicidal ideation
cp "$TMP/out" "$TMP/words.json"
echo "suicidal ideation" >"$TMP/q.txt"
expect_exit 0 "echo QUERY | search -" sh -c "'$SEARCH' --index '$IDX' --json -k 5 - <'$TMP/q.txt'"
json_hits "$TMP/out" >"$TMP/stdin.json"
ok "... the same hits" cmp -s "$TMP/stdin.json" "$TMP/words.json"
ok "... the begin line has the query read" \
    test "$(head -n 1 "$TMP/out" | jq -r .query)" = "suicidal ideation"
printf 'suicidal\nideation\n' >"$TMP/q2.txt"
"$SEARCH" --index "$IDX" --json -k 5 - <"$TMP/q2.txt" >"$TMP/out" 2>"$TMP/err"
ok "lines of stdin are words of one query" sh -c "jq -c 'select(.type == \"hit\")' '$TMP/out' | cmp -s - '$TMP/words.json'"
expect_exit 2 "- and words" sh -c "echo x | '$SEARCH' --index '$IDX' - ketamine"
ok "... one line" one_line_error
expect_exit 2 "an empty stdin" sh -c "'$SEARCH' --index '$IDX' - </dev/null"
ok "... is no query" grep -q "no query given" "$TMP/err"
expect_exit 1 "-- - is the word -, not stdin" sh -c "echo ketamine | '$SEARCH' --index '$IDX' -- -"

# ---- JSON lines: begin, hits, end, summary ----
expect_exit 0 "--json" "$SEARCH" --index "$IDX" --json -k 3 'ketamine "mental health"'
cp "$TMP/out" "$TMP/one.json"
ok "--json: every line is an object with a type" \
    sh -c "jq -e -s 'all(.[]; (.type | type) == \"string\")' '$TMP/one.json' >/dev/null"
ok "--json: begin line first, with the schema version and the query" \
    sh -c "head -n 1 '$TMP/one.json' | jq -e '.type == \"begin\" and .schema == 1 and .query == \"ketamine \\\"mental health\\\"\"' >/dev/null"
ok "--json: then the hits" test "$(sed -n '2,4p' "$TMP/one.json" | jq -r .type | sort -u)" = hit
ok "--json: an end line with the count" sh -c "sed -n 5p '$TMP/one.json' | jq -e '.type == \"end\" and .hits == 3' >/dev/null"
ok "--json: the summary closes it" \
    sh -c "tail -n 1 '$TMP/one.json' | jq -e '.type == \"summary\" and .schema == 1 and .queries == 1 and .hits == 3' >/dev/null"
ok "--json: 6 lines in all" test "$(wc -l <"$TMP/one.json")" -eq 6
expect_exit 1 "--json without hits" "$SEARCH" --index "$IDX" --json zzzzqqq
ok "--json without hits: begin, end 0, summary 0" \
    test "$(jq -c '[.type, .hits]' "$TMP/out" | tr '\n' ' ')" = '["begin",null] ["end",0] ["summary",0] '

# character offsets beside byte offsets: a multi-byte character before a match
printf 'd1\tCafe\tcaf\303\251 na\303\257ve \342\200\224 zebrafish here\n' >"$TMP/utf8.tsv"
expect_exit 0 "index a text with multi-byte characters" "$SEARCH" index --corpus "$TMP/utf8.tsv" --index "$TMP/u8" --quiet
expect_exit 0 "search it" search_hits --index "$TMP/u8" zebrafish
ok "highlights: bytes 22-31, characters 18-27 (after 'Cafe<TAB>')" \
    sh -c "jq -e '.highlights == [[22,31]] and .highlight_chars == [[18,27]]' '$TMP/out' >/dev/null"
ok "highlight_chars index the decoded text" \
    sh -c "jq -e '.highlight_chars[0] as [\$a,\$b] | .text[\$a:\$b] == \"zebrafish\"' '$TMP/out' >/dev/null"
# invalid UTF-8 before the match: each bad byte is one U+FFFD in "text",
# so one character of the offsets too
printf 'd2\tBad\tcaf\351 \200\342\202 quokka here\n' >"$TMP/bad8.tsv"
expect_exit 0 "index a text with invalid UTF-8" "$SEARCH" index --corpus "$TMP/bad8.tsv" --index "$TMP/b8" --quiet
expect_exit 0 "search it" search_hits --index "$TMP/b8" quokka
ok "invalid bytes: highlight_chars still index the decoded text" \
    sh -c "jq -e '.highlight_chars[0] as [\$a,\$b] | .text[\$a:\$b] == \"quokka\"' '$TMP/out' >/dev/null"
ok "every hit of the seed corpus: highlight_chars mark the same words as the byte offsets" \
    sh -c "jq -e -s '[.[] | select(.type == \"hit\") | . as \$h | range(0; .highlights | length) as \$i |
        (\$h.text[\$h.highlight_chars[\$i][0]:\$h.highlight_chars[\$i][1]] | ascii_downcase | test(\"^(ketamine|mental health)$\"))] | all' '$TMP/one.json' >/dev/null"

# ---- --json with --queries: JSON, not a TREC run ----
printf '1\tketamine depression\n2\tzzzzqqq\nq3\tketamine therapy\n' >"$TMP/queries.tsv"
expect_exit 0 "--json --queries" "$SEARCH" --index "$IDX" --json -k 2 --queries "$TMP/queries.tsv"
cp "$TMP/out" "$TMP/qj.json"
ok "--json --queries: JSON lines, no TREC line" sh -c "jq -e -s 'length > 0' '$TMP/qj.json' >/dev/null"
ok "--json --queries: begin and end per query, in file order" \
    test "$(jq -r 'select(.type == "begin" or .type == "end") | .type + ":" + .qid' "$TMP/qj.json" | tr '\n' ' ')" = \
    "begin:1 end:1 begin:2 end:2 begin:q3 end:q3 "
ok "--json --queries: hits carry their qid, 2 each where found" \
    test "$(jq -r 'select(.type == "hit") | .qid' "$TMP/qj.json" | tr '\n' ' ')" = "1 1 q3 q3 "
ok "--json --queries: hits are passages with text" \
    sh -c "jq -e -s '[.[] | select(.type == \"hit\") | (.text | length) > 0 and .passage >= 1] | all' '$TMP/qj.json' >/dev/null"
ok "--json --queries: the summary counts 3 queries, 2 with hits, 4 hits" \
    sh -c "tail -n 1 '$TMP/qj.json' | jq -e '.type == \"summary\" and .queries == 3 and .queries_with_hits == 2 and .hits == 4' >/dev/null"
expect_exit 0 "--json --queries --per-article applies" "$SEARCH" --index "$IDX" --json -k 2 --per-article 2 --queries "$TMP/queries.tsv"
ok "... hits are articles' passages" sh -c "jq -e -s '[.[] | select(.type == \"hit\") | .article_hit >= 1] | all' '$TMP/out' >/dev/null"
expect_exit 2 "--queries with a query too" "$SEARCH" --index "$IDX" --queries "$TMP/queries.tsv" ketamine
ok "... one line" one_line_error
printf '1 0 ketamine-treatment-depression.txt 1\n' >"$TMP/qrels.txt"
expect_exit 2 "search eval with --json" "$SEARCH" eval --qrels "$TMP/qrels.txt" --queries "$TMP/queries.tsv" --index "$IDX" --json
ok "... one line naming --json" sh -c "grep -q -- --json '$TMP/err' && test \$(wc -l <'$TMP/err') -eq 1"

# ---- a query word that names a command ----
mkdir -p "$TMP/cmdword"
printf 'How to check a tyre.\n\nThe eval of a chek.\n' >"$TMP/cmdword/a.txt"
expect_exit 0 "index words that name commands" "$SEARCH" index --corpus "$TMP/cmdword" --index "$TMP/cmdword.idx" --quiet
(cd "$TMP" && "$SEARCH" --index cmdword.idx -- check >"$TMP/out" 2>"$TMP/err"); rc=$?
ok "search -- check searches for the word (exit 0, got $rc)" test "$rc" -eq 0
ok "... and finds it" grep -q "a.txt" "$TMP/out"
mkdir -p "$TMP/typo" && cp -R "$IDX" "$TMP/typo/index"
(cd "$TMP/typo" && "$SEARCH" chek >"$TMP/out" 2>"$TMP/err"); rc=$?
ok "search chek: no hits (exit 1, got $rc)" test "$rc" -eq 1
ok "search chek: a hint on stderr" \
    grep -qF 'search: did you mean `search check`? (to search for the word, `search -- chek`)' "$TMP/err"
ok "search chek: nothing on stdout" test ! -s "$TMP/out"
(cd "$TMP/typo" && "$SEARCH" idnex >/dev/null 2>"$TMP/err")
ok "search idnex: did you mean index" grep -qF 'did you mean `search index`?' "$TMP/err"
(cd "$TMP/typo" && "$SEARCH" sbg-indx >/dev/null 2>"$TMP/err")
ok "search sbg-indx: did you mean sbg-index" grep -qF 'did you mean `search sbg-index`?' "$TMP/err"
(cd "$TMP/typo" && "$SEARCH" -- chek >/dev/null 2>"$TMP/err")
ok "search -- chek: no hint (the word was meant)" test ! -s "$TMP/err"
(cd "$TMP/typo" && "$SEARCH" chek something >/dev/null 2>"$TMP/err")
ok "two words: no hint" test ! -s "$TMP/err"
(cd "$TMP/typo" && "$SEARCH" zzzzqqq >/dev/null 2>"$TMP/err")
ok "a word far from every command: no hint" test ! -s "$TMP/err"
mkdir -p "$TMP/cw" && cp -R "$TMP/cmdword.idx" "$TMP/cw/index"
(cd "$TMP/cw" && "$SEARCH" chek >"$TMP/out" 2>"$TMP/err"); rc=$?
ok "search chek where chek has hits: exit 0 (got $rc)" test "$rc" -eq 0
ok "... and no hint" test ! -s "$TMP/err"

summary test_conventions
