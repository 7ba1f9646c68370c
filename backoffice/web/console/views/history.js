/*
 * The customer's history beside the conversation: their earlier tickets and hand-offs (same
 * email or phone, or the same sender on the same channel) and, once the assistant verified
 * them, their orders. Each ticket opens its chat (or the ticket list at it).
 */
import { state } from "../state.js";
import { t } from "../i18n.js";
import { $, clear, el } from "../dom.js";
import { deptName, formatContact, formatMoney, label, timeEl } from "../format.js";
import { api, errorText } from "../api.js";
import { showView } from "./nav.js";
import { openConversation } from "./conversation.js";
import { searchTickets } from "./tickets.js";

var seq = 0;

/* `lookUp`: the agent pressed "Look up orders for this contact" (a contact the customer only
   wrote); it holds for the open conversation until another one is opened. */
export function loadHistory(lookUp) {
  var conversationId = state.currentId;
  var box = $("history");
  if (!conversationId) { clear(box); state.history = null; return Promise.resolve(); }
  if (lookUp) { state.ordersLookedUp = conversationId; }
  var asked = state.ordersLookedUp === conversationId;
  var mine = ++seq;
  var path = "/conversations/" + encodeURIComponent(conversationId) + "/history";
  return api("GET", path + (asked ? "?look_up_orders=true" : ""))
    .then(function (data) {
      if (mine !== seq || conversationId !== state.currentId) { return; }
      state.history = data;
      renderHistory();
    })
    .catch(function (error) {
      if (mine !== seq || error.status === 401) { return; }
      clear(box);
      box.appendChild(el("p", { className: "muted small", text: errorText(error) }));
    });
}

function openTicket(ticket) {
  if (ticket.conversation_id && ticket.conversation_id !== state.currentId) {
    openConversation(ticket.conversation_id);
    return;
  }
  $("ticket-q").value = ticket.id;
  $("ticket-status").value = "";
  $("ticket-dept").value = "";
  showView("tickets", true);
  searchTickets();
}

export function renderHistory() {
  var box = $("history");
  clear(box);
  var data = state.history;
  if (!data) { return; }
  var tickets = el("ul", { className: "history-list", attrs: { "aria-label": t("history.tickets") } });
  data.tickets.forEach(function (item) {
    var ticket = item.ticket;
    var link = el("button", {
      className: "history-item",
      attrs: { type: "button", "aria-label": t("history.open", { ticket: ticket.id }) },
      data: { ticket: ticket.id }
    }, [
      el("span", { className: "history-top" }, [
        el("span", { className: "mono", text: ticket.id }),
        el("span", { className: "badge badge-ticket-" + ticket.status, text: label("ticket.", ticket.status) })
      ]),
      el("span", { className: "history-subject", text: ticket.subject }),
      el("span", { className: "history-meta muted small" }, [
        deptName(ticket.department) + " · ",
        timeEl(ticket.created_at, true),
        item.handoff_state ? " · " + t("pastchat." + item.handoff_state) : ""
      ])
    ]);
    link.addEventListener("click", function () { openTicket(ticket); });
    tickets.appendChild(el("li", {}, [link]));
  });
  box.appendChild(el("h4", { className: "history-sub", i18n: "history.tickets" }));
  if (data.tickets.length) { box.appendChild(tickets); }
  else { box.appendChild(el("p", { className: "muted small", i18n: "history.noTickets" })); }
  if (data.other_departments) {
    box.appendChild(el("p", { className: "muted small", text: t("history.elsewhere", { n: data.other_departments }) }));
  }
  box.appendChild(el("h4", { className: "history-sub", i18n: "history.orders" }));
  var contact = data.contact ? formatContact(data.contact) : "";
  if (!data.verified && !contact) {
    box.appendChild(el("p", { className: "muted small", i18n: "history.noContact" }));
    box.appendChild(el("p", { className: "muted small", i18n: "history.notVerified" }));
    return;
  }
  if (!data.verified && !data.orders_looked_up) {
    // The customer only wrote this contact: orders only when the agent asks, on purpose.
    box.appendChild(el("p", { className: "muted small", text: t("history.contactGiven", { contact: contact }) }));
    var lookUp = el("button", { className: "btn btn-small", attrs: { type: "button", id: "history-look-up" }, i18n: "history.lookUp" });
    lookUp.addEventListener("click", function () { lookUp.disabled = true; loadHistory(true); });
    box.appendChild(lookUp);
    return;
  }
  if (!data.verified) {
    box.appendChild(el("p", { className: "history-warning small", text: t("history.lookedUp", { contact: contact }) }));
  }
  if (!data.orders.length) {
    box.appendChild(el("p", { className: "muted small", i18n: "history.noOrders" }));
    return;
  }
  var orders = el("ul", { className: "history-list", attrs: { "aria-label": t("history.orders") } });
  data.orders.forEach(function (order) {
    var link = el("button", {
      className: "history-item",
      attrs: { type: "button", "aria-label": t("history.openOrder", { order: order.order_id }) },
      data: { order: order.order_id }
    }, [
      el("span", { className: "history-top" }, [
        el("span", { className: "mono", text: order.order_id }),
        el("span", { className: "history-status", text: label("order.", order.status) })
      ]),
      el("span", { className: "history-meta muted small" }, [
        timeEl(order.placed_at, true),
        " · " + formatMoney(order.total_vnd) + " · " + t("history.items", { n: order.items })
      ])
    ]);
    // An order opens the tickets about it.
    link.addEventListener("click", function () {
      $("ticket-q").value = order.order_id;
      $("ticket-status").value = "";
      $("ticket-dept").value = "";
      showView("tickets", true);
      searchTickets();
    });
    orders.appendChild(el("li", {}, [link]));
  });
  box.appendChild(orders);
}
