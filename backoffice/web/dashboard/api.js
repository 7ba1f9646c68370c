/*
 * The back office's API on the same origin, with the session's bearer token: JSON calls, and
 * files to download (the conversations' CSV). A 401 with a token means the session ended:
 * main.js decides what then happens (`on.sessionExpired`).
 */
import { API, state } from "./state.js";
import { has, t } from "./i18n.js";

export var on = { sessionExpired: function () {} };

export function ApiError(status, code, message, details) {
  this.status = status;
  this.code = code;
  this.message = message;
  this.details = details && typeof details === "object" ? details : {};
}

/* What to tell the reader about a failed call, in their language. */
export function errorText(error) {
  if (!(error instanceof ApiError)) { return t("error.generic"); }
  if (error.code === "invalid_request") {
    return t("error.invalid_request", { message: error.message || "" });
  }
  var vars = {};
  if (typeof error.details.retry_after_seconds === "number") {
    vars.minutes = Math.max(1, Math.ceil(error.details.retry_after_seconds / 60));
  }
  if (has("error." + error.code)) { return t("error." + error.code, vars); }
  return error.message || t("error.generic");
}

function request(method, path, body, accept) {
  var headers = { Accept: accept };
  if (state.token) { headers.Authorization = "Bearer " + state.token; }
  var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  var sentWith = state.token;
  return fetch(API + path, init).then(function (response) {
    if (response.ok) { return response; }
    return response.json().catch(function () { return null; }).then(function (data) {
      var error = (data && data.error) || {};
      if (response.status === 401 && sentWith && sentWith === state.token) { on.sessionExpired(); }
      throw new ApiError(response.status, error.code || "error", error.message || "", error.details);
    });
  }, function () {
    throw new ApiError(0, "network", "");
  });
}

/* A JSON call to /api/v1<path> (`params`: URLSearchParams for the query string). */
export function api(method, path, params, body) {
  var url = path + (params ? "?" + params.toString() : "");
  return request(method, url, body, "application/json").then(function (response) {
    return response.status === 204 ? null : response.json();
  });
}

/* A file from /api/v1<path>: {blob, filename} (the server's name, else `fallbackName`). */
export function fetchFile(path, params, fallbackName) {
  return request("GET", path + "?" + params.toString(), undefined, "text/csv").then(function (response) {
    var disposition = response.headers.get("Content-Disposition") || "";
    var match = /filename="?([^";]+)"?/.exec(disposition);
    return response.blob().then(function (blob) {
      return { blob: blob, filename: match ? match[1] : fallbackName };
    });
  });
}
