#!/bin/sh
# test_browser.sh: the search page in headless Chromium (browser.py drives
# it over the DevTools protocol): the seed query typed and submitted, the
# top result's text and highlights in the DOM against the JSON API's, the
# query in the URL, j and Enter opening the article with its hits marked,
# Esc back. The screenshot goes to $BUILD/serve-page.png.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh
PY=/usr/bin/python3; [ -x "$PY" ] || PY=$(command -v python3)
if ! command -v chromium >/dev/null || [ -z "$PY" ]; then
    skip "chromium or python3 is not installed (make test-deps installs them)"; summary test_browser; exit
fi

"$SEARCH" index --corpus corpus --index "$TMP/idx" --quiet
serve_start "$TMP/idx"
trap 'serve_stop; rm -rf "$TMP"' EXIT
SHOT=$R/${BUILD:-build}/serve-page.png
rm -f "$SHOT"

Q="suicidal ideation"
ok "the browser drives the page" sh -c "'$PY' tests/serve/browser.py '$URL' '$Q' '$SHOT' >'$TMP/page.json' 2>'$TMP/browser.err'"
[ -s "$TMP/page.json" ] || { cat "$TMP/browser.err"; summary test_browser; exit; }
curl -s "$URL/search?q=suicidal+ideation&k=10&per_article=3" >"$TMP/api.json"
j() { jq -e "$@" "$TMP/page.json" >/dev/null; }
ok "the query is in the URL" j '.location == "/?q=suicidal+ideation"'
title=$(jq -r '.hits[0].title' "$TMP/api.json")
ok "the first result is the API's first article ($title)" j --arg t "$title" '.titles[0] == $t'
text=$(jq -r '.hits[0].text' "$TMP/api.json")
ok "its passage text is the hit's text" sh -c "jq -r .top_text '$TMP/page.json' | grep -qF \"\$(echo '$text' | head -c 60)\""
ok "the query's words are highlighted (<mark>)" j '[.top_marks[] | ascii_downcase] | (index("suicidal") != null and index("ideation") != null)'
ok "the status line names the query" j '.status | contains("suicidal ideation")'
ok "j selects the first result" j '.selected == 1'
ok "Enter opens its article, the hit passages marked" j --arg t "$title" '.article_title == $t and .article_hits >= 1'
ok "Esc goes back to the results" j '.back_location == "/?q=suicidal+ideation"'
ok "a screenshot of the results was saved" test -s "$SHOT"
summary test_browser
