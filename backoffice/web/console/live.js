/*
 * Keeping the page current: what each event pushed on the websocket reloads (or shows, for
 * the customer's typing: typing.js), and polling every 10 s while the websocket is down.
 */
import { state, WS_PING_MS } from "./state.js";
import { t } from "./i18n.js";
import { announce } from "./dom.js";
import { setConnection } from "./views/topbar.js";
import { loadQueue, renderQueue } from "./views/queue.js";
import { loadConversation } from "./views/conversation.js";
import { loadHistory } from "./views/history.js";
import { searchTickets } from "./views/tickets.js";
import { customerStopped, customerTyping } from "./typing.js";

export function handleEvent(event) {
  switch (event.type) {
    case "hello":
      state.wsLive = true;
      state.wsRetry = 0;
      setConnection("live");
      window.clearInterval(state.pingTimer);
      state.pingTimer = window.setInterval(function () {
        if (state.ws && state.ws.readyState === WebSocket.OPEN) { state.ws.send("ping"); }
      }, WS_PING_MS);
      // Whatever happened while the socket was down is in the database: reload it.
      scheduleQueueReload();
      if (state.currentId) { scheduleConversationReload(); }
      break;
    case "queue_changed":
      scheduleQueueReload();
      break;
    case "customer_typing":
      customerTyping(event);
      break;
    case "customer_message":
      customerStopped(event.conversation_id);  // what they typed has arrived
      if (event.conversation_id === state.currentId) {
        scheduleConversationReload();
      } else if (event.ticket_id) {
        // Counted on the conversation in the queue until the agent opens it.
        state.unread[event.conversation_id] = (state.unread[event.conversation_id] || 0) + 1;
        renderQueue();
        announce(t("conv.newMessage", { ticket: String(event.ticket_id) }));
      }
      break;
    case "conversation_updated":
      if (event.conversation_id === state.currentId) { scheduleConversationReload(); }
      // The customer wrote their email or phone: the panel can offer its orders now.
      if (event.reason === "contact" && event.conversation_id === state.currentId) { loadHistory(); }
      if (event.reason === "ticket_status" || event.reason === "resolved") { refreshTicketsSoon(); }
      scheduleQueueReload();
      break;
    case "delivery_updated":
      if (event.conversation_id === state.currentId) { scheduleConversationReload(); }
      if (event.state === "failed") { announce(t("delivery.failedNotice")); }
      break;
    case "resync":
      scheduleQueueReload();
      if (state.currentId) { scheduleConversationReload(); }
      break;
    default:
      break;
  }
}

export function poll() {
  if (!state.token || state.wsLive) { return; }
  loadQueue();
  if (state.currentId) { loadConversation(); }
}

export function scheduleQueueReload() {
  window.clearTimeout(state.queueTimer);
  state.queueTimer = window.setTimeout(loadQueue, 120);
}

function scheduleConversationReload() {
  window.clearTimeout(state.convTimer);
  state.convTimer = window.setTimeout(loadConversation, 80);
}

function refreshTicketsSoon() {
  if (state.view === "tickets" && state.tickets.length) { searchTickets(); }
}
