#!/bin/sh
# test_shards.sh: search index --shards N --shard I. The shards of a corpus
# hold every article exactly once, each where the FNV-1a hash of its id
# puts it; updates, --reorder and check work per shard; a shard records its
# split and refuses another with a one-line error.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

C=$TMP/c
corpus "$C" 3 40
# a file changed (ctime included) within the clock tick it is read in is
# read again by the next update (corpus.h, file_stamp), which would make
# an untouched shard's update more than "up to date": let a second pass
sleep 1
# the shard an article id belongs to, computed here on its own (FNV-1a 64)
shard_of() { python3 -c 'import sys
h = 0xcbf29ce484222325
for b in sys.argv[1].encode(): h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print(h % int(sys.argv[2]))' "$1" "$2"; }
# the articles of an index: every word of corpus() starts with one of its syllables
articles() { "$SEARCH" --index "$1" --json -k 1000 --max-expansions 1024 'ka* OR lo* OR mi* OR ne* OR ru* OR sa* OR ti* OR vo* OR ze* OR pa* OR qu* OR ri*' \
    | jq -r 'select(.type == "hit") | .article' | sort -u; }

for i in 0 1 2; do
    expect_exit 0 "shard $i of 3 builds" "$SEARCH" index --corpus "$C" --index "$TMP/s$i" --shards 3 --shard $i --quiet
done
ok "a shard records its split" test "$(cat "$TMP/s1/SHARD")" = "search shard 1 of 3, fnv1a64"
for i in 0 1 2; do articles "$TMP/s$i" >"$TMP/a$i"; done
cat "$TMP/a0" "$TMP/a1" "$TMP/a2" | sort >"$TMP/all"
(cd "$C" && ls) | sort >"$TMP/want"
ok "the shards hold every article once" cmp -s "$TMP/all" "$TMP/want"
wrong=0
for i in 0 1 2; do
    while read -r id; do [ "$(shard_of "$id" 3)" = $i ] || wrong=$((wrong + 1)); done <"$TMP/a$i"
done
ok "each article is in the shard its id hashes to ($wrong are not)" test $wrong -eq 0
for i in 0 1 2; do
    ok "shard $i has articles" test -s "$TMP/a$i"
    expect_exit 0 "check of shard $i against the corpus" "$SEARCH" check --index "$TMP/s$i" --corpus "$C"
    ok "check counts only shard $i's articles" grep -q "the $(wc -l <"$TMP/a$i") articles of" "$TMP/out"
done

# ---- a mismatched build is refused, with one line ----
expect_exit 2 "another shard number is refused" "$SEARCH" index --corpus "$C" --index "$TMP/s1" --shards 3 --shard 2
ok "  with one line" one_line_error
ok "  naming the split" grep -q 'is shard 1 of 3, not shard 2 of 3' "$TMP/err"
expect_exit 2 "another shard count is refused" "$SEARCH" index --corpus "$C" --index "$TMP/s1" --shards 4 --shard 1
ok "  with one line" one_line_error
expect_exit 2 "a plain build of a shard is refused" "$SEARCH" index --corpus "$C" --index "$TMP/s1"
ok "  with one line" one_line_error
expect_exit 0 "a whole index" "$SEARCH" index --corpus "$C" --index "$TMP/one" --quiet
expect_exit 2 "a whole index is not made a shard" "$SEARCH" index --corpus "$C" --index "$TMP/one" --shards 3 --shard 0
ok "  with one line" one_line_error
expect_exit 2 "--shard without --shards" "$SEARCH" index --corpus "$C" --index "$TMP/x" --shard 0
ok "  with one line" one_line_error
expect_exit 2 "--shard not below --shards" "$SEARCH" index --corpus "$C" --index "$TMP/x" --shards 2 --shard 2
ok "  with one line" one_line_error
ok "  nothing made" test ! -e "$TMP/x"
printf 'search shard 1 of 3, fnv1a64 garbage\n' >"$TMP/s2/SHARD"
expect_exit 2 "a damaged SHARD record is refused" "$SEARCH" index --corpus "$C" --index "$TMP/s2" --shards 3 --shard 2
ok "  with one line" one_line_error
printf 'search shard 2 of 3, fnv1a64\n' >"$TMP/s2/SHARD"

# ---- an update touches the one shard its article is in ----
victim=$(head -n 1 "$TMP/a1")
echo "zuzuzu appears now." >>"$C/$victim"
for i in 0 1 2; do
    expect_exit 0 "shard $i updates" "$SEARCH" index --corpus "$C" --index "$TMP/s$i" --shards 3 --shard $i
    cp "$TMP/err" "$TMP/upd$i"
done
ok "shard 1 indexed the changed article" grep -q '0 added, 1 changed, 0 removed' "$TMP/upd1"
ok "shard 0 was up to date" grep -q 'up to date: nothing written' "$TMP/upd0"
ok "shard 2 was up to date" grep -q 'up to date: nothing written' "$TMP/upd2"
ok "the files of other shards are not counted as unread" \
    grep -q "($(wc -l <"$TMP/a0" | tr -d ' ') files not read)" "$TMP/upd0"
ok "the new word is found in shard 1" sh -c "'$SEARCH' --index '$TMP/s1' zuzuzu | grep -q '$victim'"
for i in 0 1 2; do
    expect_exit 0 "shard $i is current after the update" "$SEARCH" check --index "$TMP/s$i" --corpus "$C"
done
rm "$C/$victim"
expect_exit 1 "shard 1's check notices a removed article" "$SEARCH" check --index "$TMP/s1" --corpus "$C"
expect_exit 0 "shard 0's check does not: not its article" "$SEARCH" check --index "$TMP/s0" --corpus "$C"
expect_exit 0 "--reorder --full works on a shard" "$SEARCH" index --corpus "$C" --index "$TMP/s1" --shards 3 --shard 1 --full --reorder --quiet
expect_exit 0 "and it checks current" "$SEARCH" check --index "$TMP/s1" --corpus "$C"
summary test_shards
