/*
 * Beside the conversation: why it was routed here, the customer and ticket, the verified
 * order, and the agents' internal notes.
 */
import { state } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, clear, el } from "../dom.js";
import { formatMoney, label, timeEl } from "../format.js";
import { conversationAction, renderConversation } from "./conversation.js";

function fact(list, key, value, node) {
  list.appendChild(el("dt", { text: t(key) }));
  list.appendChild(el("dd", {}, [node || (value === null || value === undefined || value === ""
    ? t("details.none") : String(value))]));
}

export function renderDetails(data) {
  var ticket = data.ticket;
  $("routing-reason").textContent = data.routing_reason || t("details.noRouting");

  var info = $("customer-info");
  clear(info);
  fact(info, "details.email", ticket.contact_email);
  fact(info, "details.phone", ticket.contact_phone);
  fact(info, "details.language", label("language.", ticket.language));
  fact(info, "details.channel", ticket.channel);
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
