/*
 * The queues of the agent's departments: who is waiting (and for how long), who is with
 * an agent, and the tickets awaiting a reply (chats nobody could take when the customer asked:
 * the assistant has them, the customer was promised a reply by a time; earliest promise
 * first, overdue ones marked); announces newcomers. An admin, who watches every department,
 * gets one list of everyone waiting, longest wait first, instead of a block per department. Each entry says
 * enough to tell two equal subjects apart: who, on which channel, for how long, their first
 * words, and how many of their messages the agent has not seen.
 */
import { state } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, clear, el, showBanner } from "../dom.js";
import { channelName, deptName, formatContact, formatDuration, formatTime, knownTimeZone, refreshTimes } from "../format.js";
import { api, errorText } from "../api.js";
import { renderWhoami } from "./topbar.js";
import { openConversation } from "./conversation.js";
import { isCustomerTyping } from "../typing.js";

export function loadQueue() {
  if (!state.token) { return Promise.resolve(); }
  return api("GET", "/queue").then(function (data) {
    state.queue = data;
    state.queueFetchedAt = Date.now();
    if (data.time_zone && data.time_zone !== state.timeZone && knownTimeZone(data.time_zone)) {
      state.timeZone = data.time_zone;
      refreshTimes();
    }
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
  if (state.agent && state.agent.is_admin) { renderAllDepartments(list, data); }
  else { renderByDepartment(list, data); }
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

function renderByDepartment(list, data) {
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
      entryList(group.waiting, "queue.noneWaiting", false),
      el("h4", { className: "queue-sub", text: t("queue.withAgent", { n: group.with_agent.length }) }),
      entryList(group.with_agent, "queue.noneWithAgent", false),
      el("h4", {
        className: "queue-sub",
        text: t("queue.awaitingReply", { n: awaitingOf(group).length }),
        data: { group: "awaiting_reply" }
      }),
      entryList(awaitingOf(group), "queue.noneAwaiting", false)
    ]);
    list.appendChild(section);
  });
}

/* Every department in one list: who waits longest comes first, whatever the department. */
function renderAllDepartments(list, data) {
  var waiting = [];
  var withAgent = [];
  var awaiting = [];
  data.departments.forEach(function (group) {
    waiting = waiting.concat(group.waiting);
    withAgent = withAgent.concat(group.with_agent);
    awaiting = awaiting.concat(awaitingOf(group));
  });
  awaiting.sort(byPromise);
  waiting.sort(function (a, b) { return b.waiting_seconds - a.waiting_seconds; });
  withAgent.sort(function (a, b) { return String(a.claimed_at).localeCompare(String(b.claimed_at)); });
  list.appendChild(el("section", {
    className: "queue-group", attrs: { "aria-labelledby": "queue-all-waiting" }, data: { group: "waiting" }
  }, [
    el("h3", { text: t("queue.allWaiting", { n: waiting.length }), attrs: { id: "queue-all-waiting" } }),
    entryList(waiting, "queue.noneWaiting", true)
  ]));
  list.appendChild(el("section", {
    className: "queue-group", attrs: { "aria-labelledby": "queue-all-with-agent" }, data: { group: "with_agent" }
  }, [
    el("h3", { text: t("queue.withAgent", { n: withAgent.length }), attrs: { id: "queue-all-with-agent" } }),
    entryList(withAgent, "queue.noneWithAgent", true)
  ]));
  list.appendChild(el("section", {
    className: "queue-group", attrs: { "aria-labelledby": "queue-all-awaiting" }, data: { group: "awaiting_reply" }
  }, [
    el("h3", { text: t("queue.allAwaiting", { n: awaiting.length }), attrs: { id: "queue-all-awaiting" } }),
    entryList(awaiting, "queue.noneAwaiting", true)
  ]));
  // Which departments can take a chat now: one line, not a block each.
  list.appendChild(el("section", {
    className: "queue-group", attrs: { "aria-labelledby": "queue-departments" }, data: { group: "departments" }
  }, [
    el("h3", { text: t("queue.departments"), attrs: { id: "queue-departments" } }),
    el("ul", { className: "dept-summary" }, data.departments.map(function (group) {
      return el("li", { data: { department: group.department } }, [
        el("span", { text: deptName(group.department) }),
        el("span", {
          className: "pill " + (group.open_now ? "pill-open" : "pill-closed"),
          text: t(group.open_now ? "queue.open" : "queue.closed")
        })
      ]);
    }))
  ]));
}

function awaitingOf(group) { return group.awaiting_reply || []; }

/* The earliest promised reply first; a team that never opens promised no time: last. */
function byPromise(a, b) {
  if (!a.expected_reply_at || !b.expected_reply_at) {
    return (a.expected_reply_at ? 0 : 1) - (b.expected_reply_at ? 0 : 1);
  }
  return Date.parse(a.expected_reply_at) - Date.parse(b.expected_reply_at);
}

/* What the customer was promised, in the agent's language, and whether it is overdue. */
function promiseEl(entry) {
  var when = (state.lang === "vi" ? entry.expected_reply_vi : entry.expected_reply_en) || "";
  return el("span", {
    className: "reply-promise" + (entry.overdue ? " overdue" : ""),
    text: t(entry.overdue ? "queue.overdue" : "queue.promised", { when: when })
  });
}

function entryList(entries, emptyKey, showDepartment) {
  if (!entries.length) { return el("p", { className: "muted small queue-none", text: t(emptyKey) }); }
  return el("ul", { className: "queue-entries" }, entries.map(function (entry) {
    var waiting = entry.state === "waiting";
    var awaiting = entry.state === "bot";
    var info = waiting
      ? el("span", { className: "wait", data: { seconds: entry.waiting_seconds } })
      : awaiting
        ? promiseEl(entry)
        : el("span", { className: "handled", text: t("queue.handledBy", { name: entry.agent_name || "?" }) });
    var unread = state.unread[entry.conversation_id] || 0;
    var unreadText = unread === 1 ? t("queue.unreadOne") : t("queue.unread", { n: unread });
    var firstWords = entry.first_words && entry.first_words !== entry.subject
      ? el("span", { className: "queue-first", text: t("queue.firstWords", { text: entry.first_words }) })
      : null;
    var button = el("button", {
      className: "queue-item" + (waiting ? " is-waiting" : "") + (awaiting && entry.overdue ? " is-overdue" : ""),
      attrs: {
        type: "button",
        "aria-current": entry.conversation_id === state.currentId ? "true" : null
      },
      data: { conversation: entry.conversation_id }
    }, [
      el("span", { className: "queue-top" }, [
        el("span", { className: "queue-subject", text: entry.subject }),
        el("span", {
          className: "queue-typing",
          text: t("queue.typing"),
          attrs: { hidden: isCustomerTyping(entry.conversation_id) ? null : "" }
        }),
        unread ? el("span", {
          className: "unread",
          text: String(unread),
          attrs: { "aria-label": unreadText, title: unreadText }
        }) : null
      ]),
      el("span", { className: "queue-who" }, [
        el("span", {
          className: "queue-contact",
          // A contact the customer only wrote says so: the agent must not take it as proven.
          text: !entry.contact ? t("queue.noContact")
            : entry.contact_verified ? formatContact(entry.contact)
            : t("queue.contactGiven", { contact: formatContact(entry.contact) })
        }),
        el("span", { className: "queue-channel", text: channelName(entry.channel) })
      ]),
      firstWords,
      el("span", { className: "queue-meta" }, [
        el("span", { className: "mono", text: entry.ticket_id }),
        el("span", { className: "lang-tag", text: entry.language.toUpperCase() }),
        showDepartment ? el("span", { className: "dept-tag", text: deptName(entry.department) }) : null,
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
