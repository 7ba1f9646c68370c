/*
 * The drill-down: from a card or a table row to the conversations behind it (the analytics'
 * conversation list with the same period and filters and the figure's measure), page by page,
 * and from one of them to its transcript and tickets (read-only). Both are modal dialogs:
 * Escape closes the top one and focus goes back to the button that opened it.
 */
import { PAGE_SIZE, state } from "./state.js";
import { has, t } from "./i18n.js";
import { $, clear, el, show } from "./dom.js";
import {
  channelName, deptName, formatCount, formatDay, formatTime, languageName, topicName
} from "./format.js";
import { api, errorText } from "./api.js";
import { apiParams } from "./period.js";

var drill = { scope: null, offset: 0, seq: 0, opener: null };
var conversation = { seq: 0, opener: null };

/* Shows a dialog modally; when it closes, focus returns to `opener`. */
function openDialog(dialog, opener, memory) {
  memory.opener = opener || document.activeElement;
  if (!dialog.open) { dialog.showModal(); }
}

function restoreFocus(memory) {
  var opener = memory.opener;
  memory.opener = null;
  if (opener && document.contains(opener)) { opener.focus(); }
}

export function initDrill() {
  $("drill").addEventListener("close", function () { drill.seq += 1; restoreFocus(drill); });
  $("conv").addEventListener("close", function () { conversation.seq += 1; restoreFocus(conversation); });
  $("drill-close").addEventListener("click", function () { $("drill").close(); });
  $("conv-close").addEventListener("click", function () { $("conv").close(); });
  $("drill-prev").addEventListener("click", function () { loadPage(drill.offset - PAGE_SIZE); });
  $("drill-next").addEventListener("click", function () { loadPage(drill.offset + PAGE_SIZE); });
}

export function closeDialogs() {
  ["conv", "drill", "help"].forEach(function (id) { if ($(id).open) { $(id).close(); } });
}

/* The query of the page with the figure's own scope on top (a row's department, a day...). */
function drillQuery(scope) {
  var query = Object.assign({}, state.query);
  ["from", "to", "department", "language", "channel"].forEach(function (name) {
    if (scope[name]) { query[name] = scope[name]; }
  });
  return query;
}

function scopeText(scope) {
  var query = drillQuery(scope);
  var extra = [];
  if (query.department) { extra.push(deptName(query.department)); }
  if (query.language) { extra.push(languageName(query.language)); }
  if (query.channel) { extra.push(channelName(query.channel)); }
  if (scope.intent) { extra.push(topicName(scope.intent)); }
  if (scope.message) { extra.push("“" + scope.message + "”"); }
  return t("drill.filters", {
    from: formatDay(query.from), to: formatDay(query.to), extra: extra.length ? " · " + extra.join(" · ") : ""
  });
}

/* Opens the list of the conversations behind a figure: scope = {measure, intent, message,
   department, language, channel, from, to} (what is missing comes from the page's query). */
export function openDrill(scope, opener) {
  drill.scope = scope;
  $("drill-title").textContent = t("measure." + scope.measure);
  $("drill-scope").textContent = scopeText(scope);
  openDialog($("drill"), opener, drill);
  loadPage(0);
}

function outcome(record) {
  var words = [];
  if (record.contained) { words.push(t("outcome.contained")); }
  if (record.escalated) { words.push(t("outcome.escalated")); }
  if (record.abandoned) { words.push(t("outcome.abandoned")); }
  if (record.sla_breached) { words.push(t("outcome.sla")); }
  if (!words.length) { words.push(t(record.ended ? "outcome.ended" : "outcome.open")); }
  return words.join(", ");
}

function loadPage(offset) {
  var scope = drill.scope;
  var seq = ++drill.seq;
  drill.offset = Math.max(0, offset);
  var status = $("drill-status");
  status.textContent = t("drill.loading");
  $("drill-body").setAttribute("aria-busy", "true");
  var params = apiParams(drillQuery(scope), {
    measure: scope.measure, intent: scope.intent, message: scope.message,
    limit: PAGE_SIZE, offset: drill.offset
  });
  api("GET", "/analytics/conversations", params).then(function (data) {
    if (seq !== drill.seq) { return; }
    renderPage(data);
  }).catch(function (error) {
    if (seq !== drill.seq) { return; }
    clear($("drill-rows"));
    show($("drill-table"), false);
    status.textContent = errorText(error);
  }).then(function () {
    $("drill-body").setAttribute("aria-busy", "false");
  });
}

function renderPage(data) {
  var rows = $("drill-rows");
  clear(rows);
  var list = data.conversations || [];
  var status = $("drill-status");
  show($("drill-table"), list.length > 0);
  if (!list.length) {
    status.textContent = t("drill.empty");
  } else {
    status.textContent = t("drill.count", {
      first: formatCount(data.offset + 1), last: formatCount(data.offset + list.length), total: formatCount(data.total)
    });
  }
  list.forEach(function (record) {
    var started = formatTime(record.started_at);
    rows.appendChild(el("tr", { data: { id: record.id } }, [
      el("th", { attrs: { scope: "row" } }, [el("button", {
        className: "link-button",
        text: started,
        attrs: { type: "button", "aria-label": t("drill.openOf", { at: started }), "aria-haspopup": "dialog" },
        on: { click: function (event) { openConversation(record.id, event.currentTarget); } }
      })]),
      el("td", { text: channelName(record.channel) }),
      el("td", { text: languageName(record.language) }),
      el("td", { text: topicName(record.topic) }),
      el("td", { className: "num", text: formatCount(record.messages) }),
      el("td", { text: record.department ? deptName(record.department) : t("value.none") }),
      el("td", { text: outcome(record) }),
      el("td", { className: "num", text: record.csat_score === null || record.csat_score === undefined ? t("value.none") : String(record.csat_score) })
    ]));
  });
  $("drill-prev").disabled = data.offset <= 0;
  $("drill-next").disabled = data.offset + list.length >= data.total;
}

// -- one conversation --------------------------------------------------------------------------

function openConversation(id, opener) {
  var seq = ++conversation.seq;
  $("conv-title").textContent = t("conv.title", { id: "" }).trim();
  $("conv-facts").textContent = "";
  clear($("conv-transcript"));
  clear($("conv-tickets"));
  show($("conv-console"), false);
  $("conv-status").textContent = t("conv.loading");
  openDialog($("conv"), opener, conversation);
  api("GET", "/analytics/conversations/" + encodeURIComponent(String(id))).then(function (data) {
    if (seq !== conversation.seq) { return; }
    renderConversation(data);
  }).catch(function (error) {
    if (seq !== conversation.seq) { return; }
    $("conv-status").textContent = errorText(error);
  });
}

function roleName(role) { return has("role." + role) ? t("role." + role) : role; }

function message(entry, author) {
  var meta = [roleName(entry.role)];
  if (author) { meta.push(author); }
  meta.push(formatTime(entry.at));
  if (entry.intent) {
    meta.push(t("conv.intent", {
      intent: entry.intent,
      confidence: typeof entry.confidence === "number" ? entry.confidence.toFixed(2) : "?"
    }));
  }
  return el("li", { className: "msg msg-" + (entry.role === "assistant" ? "bot" : entry.role) }, [
    el("p", { className: "msg-meta", text: meta.join(" · ") }),
    el("p", { className: "msg-text", text: entry.text || "" })
  ]);
}

function renderConversation(data) {
  $("conv-status").textContent = "";
  $("conv-title").textContent = t("conv.title", { id: data.sender_id || data.id });
  $("conv-facts").textContent = t("conv.facts", {
    channel: channelName(data.channel),
    language: languageName(data.language),
    messages: formatCount(data.messages),
    started: formatTime(data.started_at)
  });
  var transcript = $("conv-transcript");
  var lines = data.transcript || [];
  if (!lines.length) { transcript.appendChild(el("li", { className: "muted", text: t("conv.noTranscript") })); }
  lines.forEach(function (line) { transcript.appendChild(message(line)); });
  var tickets = $("conv-tickets");
  if (!(data.tickets || []).length) {
    tickets.appendChild(el("p", { className: "muted", text: t("conv.noTickets") }));
  }
  (data.tickets || []).forEach(function (ticket) {
    var status = has("status." + ticket.status) ? t("status." + ticket.status) : ticket.status;
    var never = t("conv.never");
    tickets.appendChild(el("section", { className: "ticket card" }, [
      el("h4", { text: t("conv.ticket", { id: ticket.id, department: deptName(ticket.department), status: status }) }),
      el("p", {
        className: "muted small",
        text: t("conv.ticketTimes", {
          created: formatTime(ticket.created_at),
          reply: ticket.first_agent_reply_at ? formatTime(ticket.first_agent_reply_at) : never,
          solved: ticket.solved_at ? formatTime(ticket.solved_at) : never,
          csat: ticket.csat_score === null || ticket.csat_score === undefined ? t("value.none") : ticket.csat_score
        })
      }),
      el("ol", { className: "transcript-list" }, (ticket.messages || []).map(function (entry) {
        return message(entry, entry.author);
      }))
    ]));
  });
  // The console shows a conversation that has a ticket (the helpdesk's); admins may open any.
  var linkable = !!(state.agent && state.agent.role === "admin") && (data.tickets || []).length > 0;
  $("conv-console").setAttribute("href", "/console#conversation=" + encodeURIComponent(data.sender_id));
  show($("conv-console"), linkable);
}
