/*
 * Beside the reply box: the saved replies of the conversation's department and language, and
 * the assistant's knowledge base (its FAQ answers, worded in the conversation's language).
 * Either is inserted into the reply box, where the agent edits it before sending.
 *
 * Typing "/" at the start of an empty reply box opens the saved replies and filters them by
 * what follows ("/refund"); arrow keys choose, Enter inserts, Escape closes. The buttons open
 * the same panel with a search field.
 */
import { state } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, clear, el, show } from "../dom.js";
import { api, errorText } from "../api.js";

var SEARCH_DELAY_MS = 200;
var tool = { kind: null, slash: false, items: [], chosen: 0, seq: 0, timer: null };

/* The conversation's department and language: what the lists are for. */
function conversationScope() {
  var handoff = state.current && state.current.handoff;
  if (!handoff) { return null; }
  return { department: handoff.department, language: handoff.language === "vi" ? "vi" : "en" };
}

export function openTool(kind, slash) {
  if (!conversationScope()) { return; }
  tool.kind = kind;
  tool.slash = !!slash;
  $("tool-title").textContent = t(kind === "kb" ? "tools.kbTitle" : "tools.cannedTitle");
  $("tool-q").value = "";
  show($("tool-search"), !tool.slash);
  show($("tool-panel"), true);
  $("canned-open").setAttribute("aria-expanded", String(kind === "canned"));
  $("kb-open").setAttribute("aria-expanded", String(kind === "kb"));
  search(slash ? slashQuery() : "");
  if (!tool.slash) { $("tool-q").focus(); }
}

export function closeTool() {
  tool.kind = null;
  tool.slash = false;
  tool.items = [];
  tool.seq += 1;
  window.clearTimeout(tool.timer);
  show($("tool-panel"), false);
  clear($("tool-results"));
  $("canned-open").setAttribute("aria-expanded", "false");
  $("kb-open").setAttribute("aria-expanded", "false");
}

export function toolOpen() { return tool.kind !== null; }

function slashQuery() {
  var value = $("reply-text").value;
  return value.charAt(0) === "/" ? value.slice(1) : "";
}

/* The reply box's input: "/" at its start opens (and filters) the saved replies. */
export function replyInput() {
  var value = $("reply-text").value;
  var slashing = value.charAt(0) === "/" && value.indexOf("\n") < 0;
  if (slashing && (!toolOpen() || tool.slash)) {
    if (!toolOpen()) { openTool("canned", true); } else { scheduleSearch(slashQuery()); }
  } else if (!slashing && tool.slash) {
    closeTool();
  }
}

/* Keys in the reply box while the "/" list is open; true when the key was used. */
export function toolKeydown(event) {
  if (!toolOpen() || !tool.slash) { return false; }
  if (event.key === "Escape") { closeTool(); return true; }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    choose(tool.chosen + (event.key === "ArrowDown" ? 1 : -1));
    return true;
  }
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    if (tool.items.length) { insert(tool.items[tool.chosen].text); }
    return true;
  }
  return false;
}

export function toolSearchInput() { scheduleSearch($("tool-q").value); }

export function toolSearchKeydown(event) {
  if (event.key === "Escape") { closeTool(); $("reply-text").focus(); }
  if (event.key === "Enter") {
    event.preventDefault();
    if (tool.items.length) { insert(tool.items[tool.chosen].text); }
  }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    choose(tool.chosen + (event.key === "ArrowDown" ? 1 : -1));
  }
}

function scheduleSearch(query) {
  window.clearTimeout(tool.timer);
  tool.timer = window.setTimeout(function () { search(query); }, SEARCH_DELAY_MS);
}

function search(query) {
  var scope = conversationScope();
  if (!scope || !tool.kind) { return; }
  var params = new URLSearchParams({ language: scope.language });
  if (tool.kind === "canned") { params.set("department", scope.department); }
  var words = query.trim().slice(0, 100);
  if (words) { params.set("q", words); }
  var seq = ++tool.seq;
  var kind = tool.kind;
  var path = (kind === "kb" ? "/knowledge?" : "/canned-replies?") + params.toString();
  $("tool-status").textContent = t("tools.searching");
  api("GET", path).then(function (data) {
    if (seq !== tool.seq) { return; }
    tool.items = kind === "kb" ? data.answers : data.replies;
    tool.chosen = 0;
    renderResults();
  }).catch(function (error) {
    if (seq !== tool.seq || error.status === 401) { return; }
    tool.items = [];
    renderResults();
    $("tool-status").textContent = errorText(error);
  });
}

function renderResults() {
  var list = $("tool-results");
  clear(list);
  var scope = conversationScope();
  var language = scope ? t("language." + scope.language) : "";
  $("tool-status").textContent = tool.items.length
    ? t("tools.count", { n: tool.items.length, language: language })
    : t("tools.none", { language: language });
  tool.items.forEach(function (item, index) {
    var insertButton = el("button", {
      className: "btn btn-small tool-insert",
      i18n: "tools.insert",
      attrs: { type: "button", "aria-label": t("tools.insertLabel", { title: item.title }) }
    });
    insertButton.addEventListener("click", function () { insert(item.text); });
    var row = el("li", {
      className: "tool-item",
      attrs: { id: "tool-item-" + index, role: "option", "aria-selected": String(index === tool.chosen) },
      data: { index: index }
    }, [
      el("div", { className: "tool-item-head" }, [
        el("span", { className: "tool-item-title", text: item.title }),
        insertButton
      ]),
      el("p", { className: "tool-item-text", text: item.text })
    ]);
    row.addEventListener("mousemove", function () { if (tool.chosen !== index) { choose(index); } });
    list.appendChild(row);
  });
}

function choose(index) {
  if (!tool.items.length) { return; }
  tool.chosen = (index + tool.items.length) % tool.items.length;
  document.querySelectorAll("#tool-results .tool-item").forEach(function (node) {
    node.setAttribute("aria-selected", String(Number(node.dataset.index) === tool.chosen));
  });
  var chosen = $("tool-item-" + tool.chosen);
  if (chosen) { chosen.scrollIntoView({ block: "nearest" }); }
}

/* Into the reply box: instead of the "/…" typed, else where the cursor is. Never sent. */
function insert(text) {
  var box = $("reply-text");
  var limit = Number(box.getAttribute("maxlength")) || 2000;
  if (tool.slash) {
    box.value = text.slice(0, limit);
  } else {
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    var before = box.value.slice(0, start);
    var spacer = before && !/\s$/.test(before) ? " " : "";
    box.value = (before + spacer + text + box.value.slice(end)).slice(0, limit);
    start = Math.min(before.length + spacer.length + text.length, box.value.length);
    box.setSelectionRange(start, start);
  }
  closeTool();
  box.focus();
  announce(t("tools.inserted"));
}
