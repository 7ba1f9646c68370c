/*
 * The agent API on the same origin: JSON over HTTP with the session's bearer token, and the
 * websocket that pushes events (reconnecting with backoff). What the rest of the console does
 * when the session expires, the connection changes or an event arrives is set in `on` by
 * main.js, so this module knows nothing of the views.
 */
import { API, state, WS_POLICY_VIOLATION } from "./state.js";
import { has, t } from "./i18n.js";

export var on = {
  sessionExpired: function () {},
  connection: function (mode) {},  // "live", "polling" or "offline"
  event: function (event) {}
};

function ApiError(status, code, message, details) {
  this.status = status;
  this.code = code;
  this.message = message;
  this.details = details && typeof details === "object" ? details : {};
}

/* What to tell the agent about a failed call, in their language. */
export function errorText(error) {
  if (!(error instanceof ApiError)) { return t("error.generic"); }
  if (error.code === "invalid_request") {
    return t("error.invalid_request", { message: error.message || "" });
  }
  // The numbers in a message (minutes to wait, the password rule) come from the server.
  var vars = {};
  Object.keys(error.details).forEach(function (name) { vars[name] = error.details[name]; });
  if (typeof error.details.retry_after_seconds === "number") {
    vars.minutes = Math.max(1, Math.ceil(error.details.retry_after_seconds / 60));
  }
  if (has("error." + error.code)) { return t("error." + error.code, vars); }
  return error.message || t("error.generic");
}

/* A call to /api/v1/agent<path>: the answer's JSON, or an ApiError (status 0: no network). */
export function api(method, path, body) {
  var headers = { Accept: "application/json" };
  if (state.token) { headers.Authorization = "Bearer " + state.token; }
  var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(API + path, init).then(function (response) {
    if (response.status === 204) { return null; }
    return response.json().catch(function () { return null; }).then(function (data) {
      if (response.ok) { return data; }
      var error = (data && data.error) || {};
      var failure = new ApiError(response.status, error.code || "error", error.message || "", error.details);
      if (response.status === 401 && path !== "/login" && state.token) {
        on.sessionExpired();
      }
      throw failure;
    });
  }, function () {
    throw new ApiError(0, "network", "");
  });
}

// -- the websocket, with polling while it is down (live.js) -----------------------------------

export function connectSocket() {
  if (!state.token || state.ws) { return; }
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var url = scheme + window.location.host + API + "/ws?token=" + encodeURIComponent(state.token);
  var socket;
  try { socket = new WebSocket(url); } catch (e) { scheduleReconnect(); return; }
  state.ws = socket;
  on.connection("polling");
  socket.onmessage = function (message) {
    var event;
    try { event = JSON.parse(message.data); } catch (e) { return; }
    if (event && typeof event.type === "string") { on.event(event); }
  };
  socket.onclose = function (close) {
    if (state.ws !== socket) { return; }
    state.ws = null;
    state.wsLive = false;
    window.clearInterval(state.pingTimer);
    if (!state.token) { on.connection("offline"); return; }
    on.connection("polling");
    if (close.code === WS_POLICY_VIOLATION) {
      api("GET", "/me").catch(function () { /* a 401 ends the session */ });
    }
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  if (!state.token) { return; }
  var delay = Math.min(30000, 1000 * Math.pow(2, state.wsRetry));
  state.wsRetry += 1;
  window.clearTimeout(state.wsTimer);
  state.wsTimer = window.setTimeout(connectSocket, delay);
}

export function closeSocket() {
  window.clearTimeout(state.wsTimer);
  window.clearInterval(state.pingTimer);
  var socket = state.ws;
  state.ws = null;
  state.wsLive = false;
  state.wsRetry = 0;
  if (socket) { try { socket.close(1000); } catch (e) { /* already closed */ } }
  on.connection("offline");
}
