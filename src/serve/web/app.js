// The search page: the query lives in the URL (?q=&page=&explain=1, or
// #article=ID&q=), so a result can be shared and Back works. Results come
// from /search as JSON; text is put into the page as text nodes, never as
// HTML, with the highlights (character offsets) wrapped in <mark>.
"use strict";
const PER_PAGE = 10, PER_ARTICLE = 3;
const $ = (id) => document.getElementById(id);
let selected = -1;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// The text with its highlighted character ranges in <mark>.
function marked(text, ranges) {
  const cps = Array.from(text), out = document.createDocumentFragment();
  let at = 0;
  for (const [s, e] of ranges || []) {
    if (s < at) continue;
    out.append(cps.slice(at, s).join(""), el("mark", {}, cps.slice(s, e).join("")));
    at = e;
  }
  out.append(cps.slice(at).join(""));
  return out;
}

function state() {
  const p = new URLSearchParams(location.search), h = new URLSearchParams(location.hash.slice(1));
  return { q: p.get("q") || "", page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
           explain: p.get("explain") === "1", article: h.get("article") };
}

function go(q, page, explain) {
  const p = new URLSearchParams({ q });
  if (page > 1) p.set("page", page);
  if (explain) p.set("explain", "1");
  history.pushState(null, "", "?" + p.toString());
  render();
}

async function fetchJSON(url) {
  const r = await fetch(url);
  const body = await r.json().catch(() => ({ error: { message: r.statusText } }));
  if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
  return body;
}

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "status error" : "status";
}

function articleLink(id, q) {
  return "#" + new URLSearchParams({ article: id, q }).toString();
}

// Hits come passage by passage, grouped: an article and its best passages.
function renderHits(res, st) {
  const list = $("results");
  list.replaceChildren();
  const groups = [];
  for (const h of res.hits) {
    if (h.article_hit <= 1 || !groups.length) groups.push({ head: h, passages: [] });
    groups[groups.length - 1].passages.push(h);
  }
  for (const g of groups) {
    const h = g.head;
    const li = el("li", { value: String(h.rank) });
    li.append(el("h2", {}, el("a", { href: articleLink(h.article, st.q) }, h.title || h.article)));
    li.append(el("div", { class: "where" }, h.path + " \u00b7 best score " + h.score.toFixed(4)));
    for (const p of g.passages) {
      const d = el("div", { class: "passage" });
      d.append(el("span", { class: "score" }, "passage " + p.passage + " (bytes " + p.start + "\u2013" + p.end + ")"));
      d.append(marked(p.text, p.highlight_chars));
      li.append(d);
      if (st.explain && p.explain) li.append(el("pre", { class: "explain" }, JSON.stringify(p.explain, null, 1)));
    }
    list.append(li);
  }
  selected = -1;
  const more = res.hits.length > 0 && groups.length >= PER_PAGE;
  $("pager").hidden = st.page === 1 && !more;
  $("prev").disabled = st.page === 1;
  $("next").disabled = !more;
  $("page").textContent = "page " + st.page;
}

async function renderResults(st) {
  $("article").hidden = true;
  $("results").hidden = false;
  if (!st.q) { $("results").replaceChildren(); $("pager").hidden = true; status(""); return; }
  status("Searching\u2026");
  const p = new URLSearchParams({ q: st.q, k: PER_PAGE, offset: (st.page - 1) * PER_PAGE, per_article: PER_ARTICLE });
  if (st.explain) p.set("explain", "1");
  try {
    const res = await fetchJSON("/search?" + p.toString());
    renderHits(res, st);
    status(res.hits.length ? "Results for \u201c" + res.query + "\u201d (" + res.took_ms.toFixed(1) + " ms, " + res.generation + ")"
                           : "No passage matches \u201c" + res.query + "\u201d. " + (res.notes || ""));
  } catch (e) {
    $("results").replaceChildren();
    status(e.message, true);
  }
}

async function renderArticle(st) {
  const a = $("article");
  try {
    const res = await fetchJSON("/articles/" + encodeURIComponent(st.article));
    const hits = new Set();
    if (st.q) {
      const s = await fetchJSON("/search?" + new URLSearchParams({ q: st.q, k: 100 }).toString());
      for (const h of s.hits) if (h.article === st.article) hits.add(h.passage);
    }
    a.replaceChildren(el("p", {}, el("a", { href: location.search || "?" }, "\u2190 back to the results")),
                      el("h1", {}, res.title || res.article), el("div", { class: "where" }, res.path));
    for (const p of res.passages) {
      const d = el("div", { class: hits.has(p.passage) ? "passage hit" : "passage", id: "p" + p.passage });
      d.append(el("span", { class: "score" }, "passage " + p.passage), p.text);
      a.append(d);
    }
    a.hidden = false;
    $("results").hidden = true;
    $("pager").hidden = true;
    status("");
    const first = a.querySelector(".passage.hit");
    if (first) first.scrollIntoView({ block: "center" });
  } catch (e) {
    status(e.message, true);
  }
}

function render() {
  const st = state();
  $("q").value = st.q;
  $("explain").checked = st.explain;
  if (st.article) renderArticle(st); else renderResults(st);
}

function select(i) {
  const items = $("results").children;
  if (!items.length) return;
  selected = Math.max(0, Math.min(items.length - 1, i));
  for (let j = 0; j < items.length; j++) items[j].classList.toggle("selected", j === selected);
  items[selected].scrollIntoView({ block: "nearest" });
}

document.addEventListener("DOMContentLoaded", () => {
  $("form").addEventListener("submit", (e) => { e.preventDefault(); go($("q").value.trim(), 1, $("explain").checked); });
  $("explain").addEventListener("change", () => { const st = state(); if (st.q) go(st.q, st.page, $("explain").checked); });
  $("prev").addEventListener("click", () => { const st = state(); go(st.q, st.page - 1, st.explain); });
  $("next").addEventListener("click", () => { const st = state(); go(st.q, st.page + 1, st.explain); });
  window.addEventListener("popstate", render);
  window.addEventListener("hashchange", render);
  document.addEventListener("keydown", (e) => {
    const typing = document.activeElement === $("q");
    if (e.key === "Escape") { if (state().article) history.back(); else $("q").blur(); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const st = state();
    if (e.key === "/") { e.preventDefault(); $("q").focus(); $("q").select(); }
    else if (e.key === "j") select(selected + 1);
    else if (e.key === "k") select(selected - 1);
    else if (e.key === "Enter" && selected >= 0) $("results").children[selected].querySelector("h2 a").click();
    else if (e.key === "n" && !$("next").disabled && !$("pager").hidden) go(st.q, st.page + 1, st.explain);
    else if (e.key === "p" && st.page > 1) go(st.q, st.page - 1, st.explain);
  });
  render();
});
