/*
 * Typing during a live chat (backoffice/helpdesk/services/typing.py), both ways, never the text:
 * - the customer's: "Customer is typing…" under the open conversation's transcript and a
 *   marker on its queue card, from the websocket's `customer_typing` events; gone when the
 *   customer stops, their message arrives, or TYPING_SHOWN_MS pass without news;
 * - the agent's: while the agent who holds the conversation types in the reply box, one
 *   "typing" every TYPING_EVERY_MS, and "stopped" after STOPPED_AFTER_MS without a keystroke,
 *   when the reply is sent or when another conversation opens. The back office throttles again.
 */
import { state } from "./state.js";
import { $, show } from "./dom.js";
import { api } from "./api.js";

var TYPING_EVERY_MS = 2500;
var STOPPED_AFTER_MS = 5000;
var TYPING_SHOWN_MS = 8000;

var typingTimers = {};  // conversation id -> the timer that hides its customer's "typing…"
var mine = { conversationId: null, sentAt: 0, idleTimer: null };

// -- the customer's ------------------------------------------------------------------------

export function isCustomerTyping(conversationId) {
  return Object.prototype.hasOwnProperty.call(typingTimers, conversationId);
}

/* A `customer_typing` event from the websocket. */
export function customerTyping(event) {
  var id = event.conversation_id;
  if (typeof id !== "string") { return; }
  if (event.typing === true) {
    window.clearTimeout(typingTimers[id]);
    typingTimers[id] = window.setTimeout(function () { customerStopped(id); }, TYPING_SHOWN_MS);
    renderCustomerTyping(id);
  } else {
    customerStopped(id);
  }
}

/* The customer stopped, or their message arrived. */
export function customerStopped(conversationId) {
  if (!isCustomerTyping(conversationId)) { return; }
  window.clearTimeout(typingTimers[conversationId]);
  delete typingTimers[conversationId];
  renderCustomerTyping(conversationId);
}

/* The line under the open conversation and the marker on the conversation's queue card. */
export function renderCustomerTyping(conversationId) {
  var typing = isCustomerTyping(conversationId);
  if (conversationId === state.currentId) { show($("customer-typing"), typing); }
  var card = document.querySelector('.queue-item[data-conversation="' + CSS.escape(conversationId) + '"]');
  var marker = card && card.querySelector(".queue-typing");
  if (marker) { show(marker, typing); }
}

// -- the agent's ---------------------------------------------------------------------------

function holdsCurrent() {
  var handoff = state.current && state.current.handoff;
  if (!handoff || handoff.state !== "with_agent" || !state.agent) { return false; }
  return handoff.agent_username === state.agent.username || state.agent.is_admin;
}

function signal(conversationId, typing) {
  var path = "/conversations/" + encodeURIComponent(conversationId) + "/typing";
  api("POST", path, { typing: typing }).catch(function () { /* a lost signal is not sent again */ });
}

/* A keystroke in the reply box. */
export function agentKeystroke() {
  var id = state.currentId;
  if (!id || !holdsCurrent() || !$("reply-text").value.trim()) { agentStopped(); return; }
  if (mine.conversationId !== id) { agentStopped(); }
  var now = Date.now();
  if (!mine.sentAt || now - mine.sentAt >= TYPING_EVERY_MS) {
    mine.conversationId = id;
    mine.sentAt = now;
    signal(id, true);
  }
  window.clearTimeout(mine.idleTimer);
  mine.idleTimer = window.setTimeout(agentStopped, STOPPED_AFTER_MS);
}

/* The agent stopped typing, sent the reply, or left the conversation. */
export function agentStopped() {
  window.clearTimeout(mine.idleTimer);
  if (mine.sentAt && mine.conversationId) { signal(mine.conversationId, false); }
  mine.sentAt = 0;
  mine.conversationId = null;
}
