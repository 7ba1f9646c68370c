/*
 * Beside the conversation: what the assistant told the customer at hand-off, why it was routed
 * here, the customer and ticket, the verified order, and the agents' internal notes.
 */
import { state } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, clear, el } from "../dom.js";
import { api } from "../api.js";
import {
  channelName, deptName, formatContact, formatMoney, label, systemLine, timeEl
} from "../format.js";
import { conversationAction, renderConversation } from "./conversation.js";
import { photoEl } from "../photos.js";

function fact(list, key, value, node) {
  list.appendChild(el("dt", { text: t(key) }));
  list.appendChild(el("dd", {}, [node || (value === null || value === undefined || value === ""
    ? t("details.none") : String(value))]));
}

/* An email or phone with whether the customer proved it, or "—". */
function contactEl(value, proof) {
  if (!value) { return el("span", { text: t("details.none") }); }
  return el("span", { className: "contact", data: { proof: proof.slice(8) } }, [
    el("span", { text: value }),
    el("span", { className: "muted small", text: " (" + t(proof) + ")" })
  ]);
}

/* The latest thing the customer was promised at hand-off (the bot's hand-off message, or the
   no-agent notice that replaced it), in the agent's language. */
function renderPromise(transcript) {
  var box = $("promise");
  var told = null;
  transcript.forEach(function (message) {
    if (message.event === "bot_handoff" || message.event === "no_agent") { told = message; }
  });
  var line = told ? systemLine(told) : null;
  box.textContent = line || t("details.noPromise");
  box.classList.toggle("muted", !line);
}

/* What an intent is about in the agent's language (the knowledge file's labels, loaded once
   per session); the raw name only if the file has no label for it. */
function intentName(intent) {
  var names = state.intentLabels[intent];
  return (names && (names[state.lang] || names.en)) || intent.replace(/_/g, " ");
}

export function loadIntentLabels() {
  return api("GET", "/intent-labels").then(function (labels) {
    state.intentLabels = labels || {};
  }).catch(function () { /* the routing reason falls back to the intent's own name */ });
}

function quoted(phrases) {
  return phrases.map(function (phrase) { return t("routing.quote", { text: phrase }); }).join(", ");
}

/* Why the conversation came here, worded from the decision's data with the departments'
   names; the English reason as it is for decisions without data (a caller's own words). */
function renderRouting(data) {
  var box = $("routing-reason");
  clear(box);
  var routing = data.routing;
  if (!routing || (routing.how !== "routed" && routing.how !== "default")) {
    if (routing && routing.how === "caller") {
      box.appendChild(el("p", { text: t("routing.caller", { department: deptName(data.ticket.department) }) }));
      if (data.routing_reason) { box.appendChild(el("p", { className: "muted small", text: data.routing_reason })); }
      return;
    }
    box.appendChild(el("p", { text: data.routing_reason || t("details.noRouting") }));
    return;
  }
  if (routing.how === "default") {
    box.appendChild(el("p", { text: t("routing.default", { department: deptName(data.ticket.department) }) }));
    return;
  }
  (routing.evidence || []).forEach(function (found, index) {
    var parts = [];
    if (found.matched && found.matched.length) { parts.push(t("routing.matched", { phrases: quoted(found.matched) })); }
    if (found.intent) { parts.push(t("routing.intent", { intent: intentName(found.intent) })); }
    if (typeof found.closest === "number") {
      parts.push(t("routing.closest", { percent: Math.round(found.closest * 100) }));
    }
    box.appendChild(el("p", {
      className: index ? "routing-other" : "routing-chosen",
      text: t(index ? "routing.other" : "routing.chosen", {
        department: deptName(found.department),
        evidence: parts.join("; ")
      })
    }));
  });
}

/* The photos the customer sent with this ticket, oldest first. */
function renderAttachments(attachments) {
  var list = $("attachments");
  clear(list);
  if (!attachments || !attachments.length) {
    list.appendChild(el("li", { className: "muted small", text: t("details.noAttachments") }));
    return;
  }
  attachments.forEach(function (attachment) {
    list.appendChild(el("li", { className: "attachment" }, [
      photoEl(attachment, "attachment-photo"),
      timeEl(attachment.created_at, true)
    ]));
  });
}

export function renderDetails(data) {
  var ticket = data.ticket;
  renderPromise(data.transcript);
  renderRouting(data);
  renderAttachments(data.attachments);

  var info = $("customer-info");
  clear(info);
  var proof = ticket.contact_verified ? "details.contactVerified" : "details.contactGiven";
  fact(info, "details.email", null, contactEl(ticket.contact_email, proof));
  fact(info, "details.phone", null, contactEl(ticket.contact_phone && formatContact(ticket.contact_phone), proof));
  fact(info, "details.language", label("language.", ticket.language));
  fact(info, "details.channel", channelName(ticket.channel));
  fact(info, "details.ticketStatus", null,
    el("span", { className: "badge badge-ticket-" + ticket.status, text: label("ticket.", ticket.status) }));
  fact(info, "details.priority", label("priority.", ticket.priority));
  fact(info, "details.created", null, timeEl(ticket.created_at, true));
  if (ticket.first_agent_reply_at) {
    fact(info, "details.firstReply", null, timeEl(ticket.first_agent_reply_at, true));
  }
  if (ticket.csat_score) { fact(info, "details.csat", ticket.csat_score + " / 5"); }

  var box = $("order-summary");
  clear(box);
  var order = data.order_summary;
  if (!order || typeof order !== "object") {
    box.appendChild(el("p", { className: "muted", text: t("details.noOrder") }));
    return;
  }
  var facts = el("dl", { className: "facts" });
  fact(facts, "details.orderId", null, el("span", { className: "mono", text: order.order_id || "" }));
  if (order.status) { fact(facts, "details.orderStatus", label("order.", order.status)); }
  if (order.placed_at) { fact(facts, "details.placedAt", null, timeEl(order.placed_at, true)); }
  if (typeof order.total_vnd === "number") { fact(facts, "details.total", formatMoney(order.total_vnd)); }
  if (order.payment_method) { fact(facts, "details.payment", label("payment.", order.payment_method)); }
  if (order.carrier) { fact(facts, "details.carrier", order.carrier); }
  if (order.tracking_number) {
    fact(facts, "details.tracking", null, el("span", { className: "mono", text: order.tracking_number }));
  }
  if (Array.isArray(order.items) && order.items.length) {
    fact(facts, "details.items", null, el("ul", { className: "items" }, order.items.map(function (item) {
      var text = String(item.name || "") + " × " + String(item.quantity || 1);
      return el("li", {}, [text, item.sku ? el("span", { className: "muted mono", text: " " + item.sku }) : null]);
    })));
  }
  if (order.note) { fact(facts, "details.orderNote", order.note); }
  box.appendChild(facts);
}

export function renderNotes(notes) {
  var list = $("notes");
  clear(list);
  if (!notes.length) {
    list.appendChild(el("li", { className: "muted small", text: t("details.noNotes") }));
    return;
  }
  notes.forEach(function (note) {
    list.appendChild(el("li", { className: "note", data: { id: note.id } }, [
      el("div", { className: "note-meta" }, [
        el("span", { className: "note-author", text: note.agent_name }),
        timeEl(note.at, false)
      ]),
      el("p", { className: "note-text", text: note.text })
    ]));
  });
}

export function addNote(event) {
  event.preventDefault();
  var box = $("note-text");
  var text = box.value;
  if (!text.trim()) { announce(t("details.emptyNote")); box.focus(); return; }
  conversationAction($("note-add"), "notes", { text: text }, function (data) {
    state.convSeq += 1;
    box.value = "";
    renderConversation(data, {});
    announce(t("details.noteAdded"));
  });
}
