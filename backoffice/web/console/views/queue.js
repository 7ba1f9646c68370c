/*
 * The queues of the agent's departments: who is waiting (and for how long), who is with
 * an agent; announces newcomers.
 */
import { state } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, clear, el, showBanner } from "../dom.js";
import { deptName, formatDuration, formatTime } from "../format.js";
import { api, errorText } from "../api.js";
import { renderWhoami } from "./topbar.js";
import { openConversation } from "./conversation.js";

export function loadQueue() {
  if (!state.token) { return Promise.resolve(); }
  return api("GET", "/queue").then(function (data) {
    state.queue = data;
    state.queueFetchedAt = Date.now();
    data.departments.forEach(function (group) {
      state.deptNames[group.department] = { en: group.name_en, vi: group.name_vi };
    });
    announceNewcomers(data);
    renderQueue();
    renderWhoami();
  }).catch(function (error) {
    if (error.status !== 401) { showBanner(errorText(error)); }
  });
}

function announceNewcomers(data) {
  var waiting = {};
  var fresh = null;
  data.departments.forEach(function (group) {
    group.waiting.forEach(function (entry) {
      waiting[entry.conversation_id] = true;
      if (state.waitingSeen && !state.waitingSeen[entry.conversation_id]) { fresh = group.department; }
    });
  });
  if (fresh) { announce(t("queue.newWaiting", { department: deptName(fresh) })); }
  state.waitingSeen = waiting;
}

export function renderQueue() {
  var list = $("queue-list");
  // Re-rendering replaces the buttons: keep the keyboard focus on the same conversation.
  var focused = document.activeElement;
  var focusedId = focused && list.contains(focused) && focused.dataset ? focused.dataset.conversation : null;
  clear(list);
  var data = state.queue;
  if (!data) { return; }
  if (!data.departments.length) {
    list.appendChild(el("p", { className: "muted", i18n: "queue.empty" }));
    return;
  }
  data.departments.forEach(function (group) {
    var headingId = "queue-" + group.department;
    var section = el("section", {
      className: "dept",
      attrs: { "aria-labelledby": headingId },
      data: { department: group.department }
    }, [
      el("div", { className: "dept-head" }, [
        el("h3", { text: deptName(group.department), attrs: { id: headingId } }),
        el("span", {
          className: "pill " + (group.open_now ? "pill-open" : "pill-closed"),
          text: t(group.open_now ? "queue.open" : "queue.closed")
        })
      ]),
      el("h4", { className: "queue-sub", text: t("queue.waiting", { n: group.waiting.length }) }),
      entryList(group.waiting, "queue.noneWaiting"),
      el("h4", { className: "queue-sub", text: t("queue.withAgent", { n: group.with_agent.length }) }),
      entryList(group.with_agent, "queue.noneWithAgent")
    ]);
    list.appendChild(section);
  });
  $("queue-updated").textContent = t("queue.updated", {
    time: formatTime(new Date(state.queueFetchedAt).toISOString())
  });
  tick();
  if (focusedId) {
    list.querySelectorAll(".queue-item").forEach(function (button) {
      if (button.dataset.conversation === focusedId) { button.focus(); }
    });
  }
}

function entryList(entries, emptyKey) {
  if (!entries.length) { return el("p", { className: "muted small queue-none", text: t(emptyKey) }); }
  return el("ul", { className: "queue-entries" }, entries.map(function (entry) {
    var waiting = entry.state === "waiting";
    var info = waiting
      ? el("span", { className: "wait", data: { seconds: entry.waiting_seconds } })
      : el("span", { className: "handled", text: t("queue.handledBy", { name: entry.agent_name || "?" }) });
    var button = el("button", {
      className: "queue-item" + (waiting ? " is-waiting" : ""),
      attrs: {
        type: "button",
        "aria-current": entry.conversation_id === state.currentId ? "true" : null
      },
      data: { conversation: entry.conversation_id }
    }, [
      el("span", { className: "queue-subject", text: entry.subject }),
      el("span", { className: "queue-meta" }, [
        el("span", { className: "mono", text: entry.ticket_id }),
        el("span", { className: "lang-tag", text: entry.language.toUpperCase() }),
        info
      ])
    ]);
    button.addEventListener("click", function () { openConversation(entry.conversation_id); });
    return el("li", {}, [button]);
  }));
}

/* Every second: waiting times move on without asking the server. */
export function tick() {
  var elapsed = (Date.now() - state.queueFetchedAt) / 1000;
  document.querySelectorAll("#queue-list .wait").forEach(function (node) {
    var seconds = Number(node.dataset.seconds) + elapsed;
    node.textContent = t("queue.waitedFor", { time: formatDuration(seconds) });
    node.classList.toggle("wait-long", seconds >= 300);
    node.classList.toggle("wait-critical", seconds >= 900);
  });
}

export function markCurrentInQueue() {
  document.querySelectorAll("#queue-list .queue-item").forEach(function (button) {
    if (button.dataset.conversation === state.currentId) { button.setAttribute("aria-current", "true"); }
    else { button.removeAttribute("aria-current"); }
  });
}
