/*
 * One conversation: its transcript with the delivery of each message sent to the customer,
 * and what the agent does with it (claim, take over a chat nobody could take when the customer
 * asked, reply, transfer, resolve). The "Transfer to" list says which departments have someone
 * online; a transfer to one that cannot take the chat now (closed, nobody online) is confirmed
 * first, because the customer then gets a ticket and a promised reply instead of a person.
 *
 * The transcript keeps to its newest message (after opening, claiming, the agent's own reply,
 * a new customer message) unless the agent has scrolled up to read: then new customer
 * messages are counted on a "new messages" button that brings the agent down to them.
 */
import { AVAILABILITY_MAX_AGE_MS, canAccess, DEPARTMENTS, FOLLOW_PX, ROLES, state } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, busy, clear, el, hideBanner, show, showBanner } from "../dom.js";
import { PHOTO_TEXT, photoEl } from "../photos.js";
import { deptName, systemLine, timeEl } from "../format.js";
import { api, errorText } from "../api.js";
import { scheduleQueueReload } from "../live.js";
import { showView } from "./nav.js";
import { loadQueue, markCurrentInQueue, renderQueue } from "./queue.js";
import { renderDetails, renderNotes } from "./details.js";
import { closeTool, toolKeydown } from "./tools.js";
import { loadHistory } from "./history.js";
import { agentStopped, isCustomerTyping } from "../typing.js";

export function openConversation(conversationId) {
  if (state.view !== "chats") { showView("chats", false); }
  if (state.currentId !== conversationId) {
    agentStopped();  // the other conversation's customer no longer sees this agent typing
    state.currentId = conversationId;
    show($("customer-typing"), isCustomerTyping(conversationId));
    state.current = null;
    state.rendered = [];
    clear($("transcript"));
    setUnseen(0);
    state.follow = true;
    $("reply-text").value = "";
    $("note-text").value = "";
    closeTool();
    hideTransferConfirm();
    state.history = null;
    state.ordersLookedUp = null;
    clear($("history"));
  }
  loadHistory();
  if (state.unread[conversationId]) {
    delete state.unread[conversationId];
    renderQueue();
  }
  markCurrentInQueue();
  return loadConversation().then(function () {
    if (state.current && state.currentId === conversationId) { $("conv-title").focus(); }
  });
}

export function closeConversation() {
  agentStopped();
  show($("customer-typing"), false);
  state.currentId = null;
  state.current = null;
  state.rendered = [];
  state.convSeq += 1;
  clear($("transcript"));
  setUnseen(0);
  hideTransferConfirm();
  show($("conv"), false);
  show($("details"), false);
  show($("conv-empty"), true);
  markCurrentInQueue();
}

export function loadConversation() {
  var conversationId = state.currentId;
  if (!conversationId || !state.token) { return Promise.resolve(); }
  var seq = ++state.convSeq;
  return api("GET", "/conversations/" + encodeURIComponent(conversationId)).then(function (data) {
    if (seq !== state.convSeq || conversationId !== state.currentId) { return; }
    renderConversation(data, {});
  }).catch(function (error) {
    if (seq !== state.convSeq || error.status === 401) { return; }
    if (error.status === 403 || error.status === 404) {
      closeConversation();
      showBanner(t(error.status === 403 ? "conv.gone" : "conv.notFound"));
    } else {
      showBanner(errorText(error));
    }
  });
}

function isMine(handoff) {
  return !!state.agent && handoff.agent_username === state.agent.username;
}

export function renderConversation(data, options) {
  state.current = data;
  var handoff = data.handoff;
  var ticket = data.ticket;
  show($("conv-empty"), false);
  show($("conv"), true);
  show($("details"), true);

  $("conv-title").textContent = ticket.subject;
  $("conv-ticket").textContent = ticket.id;
  var badge = $("conv-state");
  badge.textContent = t("state." + handoff.state);
  badge.className = "badge badge-" + handoff.state;
  $("conv-dept").textContent = deptName(handoff.department);
  $("conv-owner").textContent = handoff.agent_name
    ? t("conv.owner", { name: handoff.agent_name })
    : t("conv.noOwner");

  var live = handoff.state === "with_agent";
  var mayAct = live && (isMine(handoff) || (state.agent && state.agent.is_admin));
  show($("claim"), handoff.state === "waiting");
  show($("take-over"), !!handoff.can_take_over);
  show($("transfer-box"), mayAct);
  if (!mayAct || options.relabel) { hideTransferConfirm(); }
  show($("resolve"), mayAct);
  show($("reply-form"), mayAct);
  if (!mayAct) { closeTool(); agentStopped(); }
  fillTransferSelect(handoff.department);
  if (mayAct && Date.now() - state.availabilityAt > AVAILABILITY_MAX_AGE_MS) { loadAvailability(); }

  var note = "";
  if (handoff.state === "waiting") { note = t("conv.noteWaiting"); }
  else if (live && !mayAct) { note = t("conv.noteOther", { name: handoff.agent_name || "?" }); }
  else if (handoff.state === "resolved") { note = t("conv.noteResolved"); }
  else if (handoff.can_take_over) { note = t("conv.noteAwaiting"); }
  else if (handoff.state === "bot") { note = t("conv.noteBot"); }
  $("conv-note").textContent = note;
  show($("conv-note"), !!note);

  renderTranscript(data.transcript, options);
  renderDetails(data);
  renderNotes(data.notes);
}

/* options.newest: go to the newest message whatever the agent was reading (they claimed or
   replied); options.relabel: the language changed, so every line is written again. */
function renderTranscript(messages, options) {
  var list = $("transcript");
  var ids = messages.map(function (m) { return m.id; });
  var prefix = state.rendered.every(function (id, i) { return ids[i] === id; });
  var keptTop = list.scrollTop;
  var rebuilt = !prefix || !!options.relabel;
  if (rebuilt) {
    clear(list);
    state.rendered = [];
  }
  var first = !rebuilt && state.rendered.length === 0;
  var added = messages.slice(state.rendered.length);
  added.forEach(function (message) {
    list.appendChild(messageEl(message));
    state.rendered.push(message.id);
  });
  renderDeliveries(list, messages);
  if (first || options.newest || state.follow) {
    scrollToNewest();
    return;
  }
  if (rebuilt) { list.scrollTop = keptTop; }
  var fresh = rebuilt ? 0 : added.filter(function (m) { return m.role === "customer"; }).length;
  if (fresh) {
    setUnseen(state.unseen + fresh);
    announce(t("conv.newBelow", { n: state.unseen }));
  }
}

export function scrollToNewest() {
  setUnseen(0);  // first: the button's room changes the transcript's height
  var list = $("transcript");
  list.scrollTop = list.scrollHeight;
  state.follow = true;
}

/* The transcript's scroll: at the end it follows new messages again, higher up it stays put. */
export function transcriptScrolled() {
  var list = $("transcript");
  state.follow = list.scrollHeight - list.scrollTop - list.clientHeight < FOLLOW_PX;
  if (state.follow) { setUnseen(0); }
}

function setUnseen(count) {
  state.unseen = count;
  var button = $("new-messages");
  button.textContent = count === 1 ? t("conv.newMessageOne") : t("conv.newMessages", { n: count });
  show(button, count > 0);
}

/* A photo sent without words: the channels give it the text "📷" (channels/attachments.py);
   the photo says it better. */
function onlyPhoto(message) {
  return !!message.attachment && String(message.text || "").trim() === PHOTO_TEXT;
}

function messageEl(message) {
  var role = ROLES.indexOf(message.role) >= 0 ? message.role : "system";
  var who = [el("span", { className: "msg-role", text: t("role." + role) })];
  if (message.author && role !== "system") {
    who.push(el("span", { className: "msg-author", text: message.author }));
  }
  var line = role === "system" ? systemLine(message) : null;
  var data = { id: message.id, role: role };
  if (line !== null) { data.event = message.event; }
  return el("li", { className: "msg msg-" + role, data: data }, [
    el("div", { className: "msg-meta" }, [
      el("span", { className: "msg-who" }, who),
      timeEl(message.at, false)
    ]),
    onlyPhoto(message) ? null : el("p", { className: "msg-text", text: line === null ? message.text : line }),
    photoEl(message.attachment, "msg-photo")
  ]);
}

// -- delivery of the messages sent to the customer (helpdesk/services/outbox.py) -----------------

/* Every message sent to the customer shows how far it got; a failed one can be sent again.
   Rendered messages stay, so their delivery line is brought up to date on each render. */
function renderDeliveries(list, messages) {
  messages.forEach(function (message) {
    var node = list.querySelector('li.msg[data-id="' + String(message.id) + '"]');
    if (!node) { return; }
    var old = node.querySelector(".msg-delivery");
    var delivery = message.delivery;
    if (!delivery) { if (old) { old.remove(); } return; }
    if (old && old.dataset.state === delivery.state && old.dataset.lang === state.lang) { return; }
    var line = el("p", { className: "msg-delivery", data: { state: delivery.state, lang: state.lang } }, [
      el("span", { className: "msg-delivery-state", i18n: "delivery." + delivery.state })
    ]);
    if (delivery.state === "failed") {
      var retry = el("button", {
        className: "btn btn-small msg-delivery-retry",
        i18n: "delivery.retry",
        attrs: { type: "button", "aria-label": t("delivery.retryLabel"), title: t("delivery.retryLabel") }
      });
      retry.addEventListener("click", function () { retryDelivery(retry, delivery.delivery_id); });
      line.appendChild(retry);
    }
    if (old) { node.replaceChild(line, old); } else { node.appendChild(line); }
  });
}

function retryDelivery(button, deliveryId) {
  var path = "deliveries/" + encodeURIComponent(deliveryId) + "/retry";
  conversationAction(button, path, undefined, function (data) {
    state.convSeq += 1;
    renderConversation(data, {});
    announce(t("delivery.retrying"));
  });
}

function fillTransferSelect(current) {
  var select = $("transfer-to");
  var previous = select.value;
  clear(select);
  DEPARTMENTS.filter(function (key) { return key !== current; }).forEach(function (key) {
    select.appendChild(el("option", { text: transferLabel(key), attrs: { value: key }, data: { nobody: nobodyIn(key) || "" } }));
  });
  if (previous && previous !== current) { select.value = previous; }
}

/* Why a transfer to the department now would reach nobody ("closed", "nobody_online"), or
   null (someone can take it, or the console does not know yet). */
function nobodyIn(key) {
  var known = state.availability && state.availability[key];
  return known ? known.nobody : null;
}

function transferLabel(key) {
  var known = state.availability && state.availability[key];
  if (!known) { return deptName(key); }
  if (known.nobody === "closed") { return t("conv.transferClosed", { department: deptName(key) }); }
  if (!known.agents_online) { return t("conv.transferNobodyOnline", { department: deptName(key) }); }
  return t("conv.transferOnline", { department: deptName(key), n: known.agents_online });
}

/* Who is online per department (helpdesk/services/presence.py), for the "Transfer to" list:
   read again when a conversation is shown and it is older than AVAILABILITY_MAX_AGE_MS, and
   always before a transfer. */
export function loadAvailability() {
  state.availabilityAt = Date.now();
  return api("GET", "/departments").then(function (data) {
    var byKey = {};
    data.departments.forEach(function (item) {
      byKey[item.department] = item;
      state.deptNames[item.department] = { en: item.name_en, vi: item.name_vi };
    });
    state.availability = byKey;
    if (state.current) { fillTransferSelect(state.current.handoff.department); }
  }).catch(function () { /* the list stays without it; the transfer asks again */ });
}

// -- conversation actions --------------------------------------------------------------------

export function conversationAction(button, action, body, onDone) {
  var conversationId = state.currentId;
  if (!conversationId) { return Promise.resolve(); }
  busy(button, true);
  hideBanner();
  return api("POST", "/conversations/" + encodeURIComponent(conversationId) + "/" + action, body)
    .then(function (data) {
      if (conversationId !== state.currentId) { return; }
      onDone(data);
    })
    .catch(function (error) {
      if (error.status === 401) { return; }
      showBanner(errorText(error));
      if (error.status === 409 || error.status === 403) { loadConversation(); }
    })
    .then(function () { busy(button, false); });
}

export function claim() {
  conversationAction($("claim"), "claim", undefined, joined("conv.claimed"));
}

/* A chat nobody could take when the customer asked (the assistant has it, its ticket open):
   taken over as after a claim, and the customer is told the agent joined. */
export function takeOver() {
  conversationAction($("take-over"), "take-over", undefined, joined("conv.takenOver"));
}

function joined(announcement) {
  return function (data) {
    state.convSeq += 1;  // a reload already in flight must not overwrite this answer
    renderConversation(data, { newest: true });
    announce(t(announcement));
    loadQueue();
    $("reply-text").focus();
  };
}

export function sendReply(event) {
  event.preventDefault();
  var box = $("reply-text");
  var text = box.value;
  if (!text.trim()) { announce(t("conv.emptyReply")); box.focus(); return; }
  agentStopped();  // the reply itself ends the customer's "is typing…"
  conversationAction($("reply-send"), "reply", { text: text }, function (data) {
    state.convSeq += 1;
    box.value = "";
    renderConversation(data, { newest: true });
    announce(t("conv.sent"));
    box.focus();
  });
}

export function replyKeydown(event) {
  if (toolKeydown(event)) { event.preventDefault(); return; }  // the "/" list of saved replies
  // Enter sends; Shift+Enter is a new line; never while an input method is composing
  // (Vietnamese Telex / VNI typing uses composition).
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
    return;
  }
  event.preventDefault();
  if (!$("reply-send").disabled) { $("reply-form").requestSubmit(); }
}

/* "Transfer": asks who is online now; a department that cannot take the chat is confirmed
   first (what the customer gets instead of a person), any other is transferred at once. */
export function transfer() {
  var department = $("transfer-to").value;
  if (!department) { return; }
  var button = $("transfer");
  busy(button, true);
  loadAvailability().then(function () {
    busy(button, false);
    var nobody = nobodyIn(department);
    if (!nobody) { transferTo(department); return; }
    $("transfer-confirm-text").textContent = t(
      nobody === "closed" ? "conv.transferConfirmClosed" : "conv.transferConfirmNobody",
      { department: deptName(department) }
    );
    $("transfer-confirm").dataset.department = department;
    show($("transfer-confirm"), true);
    $("transfer-cancel").focus();
  });
}

export function confirmTransfer() {
  var department = $("transfer-confirm").dataset.department;
  hideTransferConfirm();
  if (department) { transferTo(department); }
}

export function hideTransferConfirm() {
  show($("transfer-confirm"), false);
  delete $("transfer-confirm").dataset.department;
}

function transferTo(department) {
  conversationAction($("transfer"), "transfer", { department: department }, function () {
    var done = t("conv.transferred", { department: deptName(department) });
    scheduleQueueReload();
    // Told once: the status line while the chat stays open, else the banner (an alert).
    if (canAccess(department)) {
      announce(done);
      loadConversation();
    } else {
      closeConversation();
      showBanner(done);
    }
  });
}

export function resolve() {
  conversationAction($("resolve"), "resolve", undefined, function (data) {
    state.convSeq += 1;
    renderConversation(data, {});
    announce(t("conv.resolved"));
    loadQueue();
    $("conv-title").focus();
  });
}
