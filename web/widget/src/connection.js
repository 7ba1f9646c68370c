// Rasa's socket.io channel: session_request {session_id, session_token} → session_confirm, then
// user_uttered / bot_uttered. The server issues the session: it confirms ours when the token
// proves we own it, else a new one {session_id, session_token}, which we adopt. Every
// (re)connection asks for the session again, because the server only joins a socket to the
// session's room on session_request. Messages typed while offline wait here and leave once the
// session is confirmed.
//
// Delivery (channels/delivery.py): caredesk's server sends every bot message twice, as Rasa's
// `bot_uttered` and as `caredesk_bot_uttered` with its place in the conversation, and says so
// in session_confirm (`placed_event`): then only the placed ones are read (a standard server
// sends only bot_uttered). `delivery_receipt {delivery_ids}` confirms the helpdesk's messages
// we stored; `missed_messages {after}`, acknowledged with a list of placed payloads, returns
// what the server said since the latest message we have.
//
// The same session_confirm offers `turn_done_event` (sent once the server is done with each
// message we sent: answered, forwarded to a person or dropped) and `max_message_chars`, the
// longest message the channel accepts (channels/limits.py): the composer counts against it,
// and `time_zone`, the shop's (channels/shop_time.py): every time the widget shows is on it.
//
// Live chat (channels/typing.py): `caredesk_agent_typing {typing, agent_name}` says the agent
// types; `customer_typing {typing}` tells the agent the customer does (never the text).

import { io } from "socket.io-client";
import { knownTimeZone } from "./i18n.js";

const PLACED_EVENT = "caredesk_bot_uttered";
const TURN_DONE_EVENT = "caredesk_turn_done";
const AGENT_TYPING_EVENT = "caredesk_agent_typing";
const CUSTOMER_TYPING_EVENT = "customer_typing";
const MAX_RECEIPTS = 50; // per event, as the server takes them
const MISSED_TIMEOUT_MS = 10000;
const CLIENT_KEY = "caredesk_client";

function clientKey() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Connection {
  constructor({ url, path, sessionId, sessionToken, onSession, onBotMessage, onState, onReady, onTurnDone, onAgentTyping }) {
    this.sessionId = sessionId;
    this.sessionToken = sessionToken;
    this.onSession = onSession;
    this.onBotMessage = onBotMessage;
    this.onState = onState;
    this.onReady = onReady || (() => {});
    this.onTurnDone = onTurnDone || (() => {});
    this.onAgentTyping = onAgentTyping || (() => {});
    this.reportsTurns = false; // the server says when it is done with a message
    this.maxChars = null; // the server's limit, once it said it
    // Photos (channels/attachments.py): the token that lets this conversation upload to the
    // back office, the largest file and the types it accepts; null while the server said none.
    this.upload = null;
    this.timeZone = undefined; // the shop's (an IANA name), once the server said it
    this.receipts = new Set();
    this.placed = null; // unknown until the first session_confirm says which event to read
    this.early = []; // bot_uttered before that answer
    this.ready = false;
    this.pending = [];
    this.socket = io(url, {
      path,
      // Sent on every request of the connection, the first included: a proxy in front of
      // several Rasa replicas pins the connection's polling requests to one replica with it
      // (deploy/nginx/caredesk.conf.template hashes it). Random, so it says nothing about
      // the customer.
      query: { [CLIENT_KEY]: clientKey() },
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 8000,
      timeout: 15000,
    });
    const socket = this.socket;
    socket.on("connect", () => {
      this.onState("confirming");
      socket.emit("session_request", {
        session_id: this.sessionId,
        session_token: this.sessionToken,
      });
    });
    socket.on("session_confirm", (confirmed) => {
      const issued = confirmed && typeof confirmed === "object" && confirmed.session_token;
      const id = confirmed && typeof confirmed === "object" ? confirmed.session_id : confirmed;
      if (issued && (id !== this.sessionId || issued !== this.sessionToken)) {
        this.sessionId = id;
        this.sessionToken = issued;
        this.pending.forEach((payload) => (payload.session_id = id));
        this.onSession(id, issued);
      } else if (id && id !== this.sessionId) return; // another session's confirmation: not ours
      if (this.placed === null) {
        this.placed = Boolean(confirmed && confirmed.placed_event === PLACED_EVENT);
        const early = this.early.splice(0);
        if (!this.placed) early.forEach((data) => this.onBotMessage(data)); // else read placed
      }
      if (confirmed && typeof confirmed === "object") {
        this.reportsTurns = confirmed.turn_done_event === TURN_DONE_EVENT;
        const max = confirmed.max_message_chars;
        this.maxChars = Number.isInteger(max) && max > 0 ? max : null;
        this.timeZone = knownTimeZone(confirmed.time_zone);
        const token = confirmed.upload_token;
        const maxBytes = confirmed.max_attachment_bytes;
        const types = Array.isArray(confirmed.attachment_types) ? confirmed.attachment_types.filter((t) => typeof t === "string") : [];
        this.upload = typeof token === "string" && token && Number.isInteger(maxBytes) && maxBytes > 0 && types.length ? { token, maxBytes, types } : null;
      }
      this.ready = true;
      this.onState("online");
      this.onReady();
      const queued = this.pending.splice(0);
      queued.forEach((payload) => socket.emit("user_uttered", payload));
    });
    socket.on("bot_uttered", (data) => {
      if (this.placed === null) this.early.push(data);
      else if (!this.placed) this.onBotMessage(data);
    });
    socket.on(PLACED_EVENT, (data) => {
      if (this.placed !== false) this.onBotMessage(data); // sent only by a server that places
    });
    socket.on(TURN_DONE_EVENT, () => this.onTurnDone());
    socket.on(AGENT_TYPING_EVENT, (data) => {
      if (data && typeof data === "object" && typeof data.typing === "boolean") {
        this.onAgentTyping(data.typing, typeof data.agent_name === "string" ? data.agent_name : "");
      }
    });
    socket.on("disconnect", (reason) => {
      this.ready = false;
      this.onState("offline");
      // The server closed on purpose: socket.io does not retry that by itself.
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
    });
    socket.on("connect_error", () => this.onState("offline"));
  }

  start() {
    this.onState("connecting");
    this.socket.connect();
  }

  /** Leaves this conversation for a new one (the shop's customer signed out). */
  restart(sessionId) {
    this.sessionId = sessionId;
    this.sessionToken = "";
    this.pending = [];
    this.receipts.clear(); // they belong to the conversation left behind
    this.ready = false;
    if (!this.socket.connected) return; // "connect" asks for the new session
    this.onState("confirming");
    this.socket.emit("session_request", { session_id: sessionId, session_token: "" });
  }

  /** Confirms delivery ids (batched per tick); offline, the next connection confirms again. */
  confirm(ids) {
    if (!this.ready) return;
    const first = this.receipts.size === 0;
    ids.forEach((id) => this.receipts.add(id));
    if (!first) return;
    setTimeout(() => {
      const batch = Array.from(this.receipts).slice(0, MAX_RECEIPTS);
      this.receipts.clear();
      if (this.ready && batch.length) this.socket.emit("delivery_receipt", { delivery_ids: batch });
    }, 0);
  }

  /** Asks for the bot messages since `after`; `onMessages` gets them (not on a timeout). */
  fetchMissed(after, onMessages) {
    if (!this.ready) return;
    this.socket.timeout(MISSED_TIMEOUT_MS).emit("missed_messages", { after }, (error, messages) => {
      if (!error && Array.isArray(messages)) onMessages(messages);
    });
  }

  /** Tells the agent the customer types (true) or stopped (false); dropped while offline. */
  typing(flag) {
    if (this.ready) this.socket.emit(CUSTOMER_TYPING_EVENT, { typing: flag });
  }

  send(message, metadata) {
    // Rasa 3.6 reads `metadata` (credentials `metadata_key`); rasa-webchat and older Rasa
    // configurations use `customData`: both carry the same page context.
    const payload = { message, session_id: this.sessionId, metadata, customData: metadata };
    if (this.ready) this.socket.emit("user_uttered", payload);
    else this.pending.push(payload);
  }
}
