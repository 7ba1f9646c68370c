/*
 * Ticket search and status changes.
 */
import { myDepartments, state, TICKET_STATUSES } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, busy, clear, el, hideBanner, showBanner } from "../dom.js";
import { deptName, formatContact, label, timeEl } from "../format.js";
import { api, errorText } from "../api.js";
import { loadConversation, openConversation } from "./conversation.js";

export function fillDepartmentSelect() {
  var select = $("ticket-dept");
  var previous = select.value;
  clear(select);
  select.appendChild(el("option", { text: t("tickets.anyDepartment"), attrs: { value: "" } }));
  myDepartments().forEach(function (key) {
    select.appendChild(el("option", { text: deptName(key), attrs: { value: key } }));
  });
  select.value = previous && myDepartments().indexOf(previous) >= 0 ? previous : "";
}

export function searchTickets(event) {
  if (event) { event.preventDefault(); }
  var params = new URLSearchParams();
  var q = $("ticket-q").value.trim();
  if (q) { params.set("q", q); }
  if ($("ticket-status").value) { params.set("status", $("ticket-status").value); }
  if ($("ticket-dept").value) { params.set("department", $("ticket-dept").value); }
  var query = params.toString();
  $("ticket-count").textContent = t("tickets.searching");
  var version = ++state.ticketsVersion;
  return api("GET", "/tickets" + (query ? "?" + query : "")).then(function (data) {
    if (version !== state.ticketsVersion) { return; }
    state.tickets = data.tickets;
    renderTickets();
  }).catch(function (error) {
    if (error.status === 401) { return; }
    $("ticket-count").textContent = "";
    showBanner(errorText(error));
  });
}

export function renderTickets() {
  var body = $("ticket-rows");
  clear(body);
  var tickets = state.tickets;
  if (!state.agent) { return; }
  $("ticket-count").textContent = tickets.length
    ? t("tickets.count", { n: tickets.length })
    : t("tickets.none");
  tickets.forEach(function (ticket, index) {
    var selectId = "ticket-status-" + index;
    // `new` is only where a ticket starts: nothing moves one back there (helpdesk/services/ticket_states.py).
    var choices = TICKET_STATUSES.filter(function (status) {
      return status !== "new" || ticket.status === "new";
    });
    var select = el("select", { attrs: { id: selectId } }, choices.map(function (status) {
      return el("option", { text: t("ticket." + status), attrs: { value: status } });
    }));
    select.value = ticket.status;
    var update = el("button", {
      className: "btn btn-small",
      text: t("tickets.update"),
      attrs: { type: "button", "aria-label": t("tickets.updateLabel", { ticket: ticket.id }) }
    });
    update.addEventListener("click", function () { updateTicket(ticket, select, update); });
    var actions = [update];
    if (ticket.conversation_id) {
      var open = el("button", {
        className: "btn btn-small btn-ghost",
        text: t("tickets.openChat"),
        attrs: { type: "button", "aria-label": t("tickets.openChatLabel", { ticket: ticket.id }) }
      });
      open.addEventListener("click", function () { openConversation(ticket.conversation_id); });
      actions.push(open);
    }
    var contact = [ticket.contact_email, ticket.contact_phone && formatContact(ticket.contact_phone)].filter(Boolean).join(" · ");
    if (contact && !ticket.contact_verified) { contact = t("queue.contactGiven", { contact: contact }); }
    body.appendChild(el("tr", { data: { ticket: ticket.id } }, [
      el("td", { className: "mono", text: ticket.id }),
      el("td", { className: "ticket-subject" }, [
        el("span", { text: ticket.subject }),
        ticket.order_id ? el("span", { className: "muted small mono block", text: ticket.order_id }) : null
      ]),
      el("td", { text: deptName(ticket.department) }),
      el("td", { className: "small", text: contact || t("details.none") }),
      el("td", { className: "small" }, [timeEl(ticket.updated_at, true)]),
      el("td", {}, [
        el("label", { className: "visually-hidden", text: t("tickets.statusOf", { ticket: ticket.id }), attrs: { for: selectId } }),
        el("span", { className: "badge badge-ticket-" + ticket.status, text: label("ticket.", ticket.status) }),
        " ",
        select
      ]),
      el("td", { className: "row-actions" }, actions)
    ]));
  });
}

function updateTicket(ticket, select, button) {
  var status = select.value;
  busy(button, true);
  hideBanner();
  api("PATCH", "/tickets/" + encodeURIComponent(ticket.id), { status: status }).then(function (updated) {
    state.ticketsVersion++;
    state.tickets = state.tickets.map(function (item) { return item.id === updated.id ? updated : item; });
    renderTickets();
    document.querySelectorAll("#ticket-rows tr").forEach(function (row) {
      if (row.dataset.ticket === updated.id) { row.querySelector("select").focus(); }
    });
    announce(t("tickets.updated", { ticket: updated.id, status: label("ticket.", updated.status) }));
    if (state.current && state.current.ticket.id === updated.id) { loadConversation(); }
  }).catch(function (error) {
    if (error.status === 401) { return; }
    select.value = ticket.status;
    showBanner(errorText(error));
  }).then(function () { busy(button, false); });
}
