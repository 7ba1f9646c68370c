// Rasa's socket.io channel: session_request {session_id, session_token} → session_confirm, then
// user_uttered / bot_uttered. The server issues the session: it confirms ours when the token
// proves we own it, else a new one {session_id, session_token}, which we adopt. Every
// (re)connection asks for the session again, because the server only joins a socket to the
// session's room on session_request. Messages typed while offline wait here and leave once the
// session is confirmed.

import { io } from "socket.io-client";

export class Connection {
  constructor({ url, path, sessionId, sessionToken, onSession, onBotMessage, onState }) {
    this.sessionId = sessionId;
    this.sessionToken = sessionToken;
    this.onSession = onSession;
    this.onBotMessage = onBotMessage;
    this.onState = onState;
    this.ready = false;
    this.pending = [];
    this.socket = io(url, {
      path,
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
      this.ready = true;
      this.onState("online");
      const queued = this.pending.splice(0);
      queued.forEach((payload) => socket.emit("user_uttered", payload));
    });
    socket.on("bot_uttered", (data) => this.onBotMessage(data));
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
    this.ready = false;
    if (!this.socket.connected) return; // "connect" asks for the new session
    this.onState("confirming");
    this.socket.emit("session_request", { session_id: sessionId, session_token: "" });
  }

  send(message, metadata) {
    // Rasa 3.6 reads `metadata` (credentials `metadata_key`); rasa-webchat and older Rasa
    // configurations use `customData`: both carry the same page context.
    const payload = { message, session_id: this.sessionId, metadata, customData: metadata };
    if (this.ready) this.socket.emit("user_uttered", payload);
    else this.pending.push(payload);
  }
}
