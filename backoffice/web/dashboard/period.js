/*
 * The period and filters shown: days on the shop's clock, the presets, and their one home in
 * the URL's hash (#from=2026-11-08&to=2026-12-07&department=billing), so a view can be
 * bookmarked, shared and gone back to.
 */
import { CHANNELS, DEFAULT_DAYS, LANGUAGES, MAX_DAYS, TIME_ZONE } from "./state.js";

var DAY = /^\d{4}-\d{2}-\d{2}$/;
var FILTERS = ["department", "language", "channel"];

/* Today on the shop's clock, "2026-12-07". */
export function today() {
  var parts = {};
  new Intl.DateTimeFormat("en-US", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date())
    .forEach(function (part) { parts[part.type] = part.value; });
  return parts.year + "-" + parts.month + "-" + parts.day;
}

/* The day `days` after `day` (before, when negative). */
export function addDays(day, days) {
  var p = day.split("-").map(Number);
  return new Date(Date.UTC(p[0], p[1] - 1, p[2] + days)).toISOString().slice(0, 10);
}

export function daysBetween(first, last) {
  var a = first.split("-").map(Number);
  var b = last.split("-").map(Number);
  return Math.round((Date.UTC(b[0], b[1] - 1, b[2]) - Date.UTC(a[0], a[1] - 1, a[2])) / 86400000);
}

/* The last `days` days, today included. */
export function lastDays(days) {
  var last = today();
  return { from: addDays(last, 1 - days), to: last };
}

export function isDay(value) {
  if (!DAY.test(value || "")) { return false; }
  var p = value.split("-").map(Number);
  var date = new Date(Date.UTC(p[0], p[1] - 1, p[2]));
  return date.getUTCMonth() === p[1] - 1 && date.getUTCDate() === p[2];
}

/* What is wrong with a range (an i18n key), or null. */
export function rangeProblem(query) {
  if (!isDay(query.from) || !isDay(query.to) || query.from > query.to) { return "filters.badRange"; }
  if (daysBetween(query.from, query.to) + 1 > MAX_DAYS) { return "filters.tooLong"; }
  return null;
}

/* The query in the hash; the default (last 30 days, no filter) for anything missing or bad. */
export function readHash(departments) {
  var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var query = lastDays(DEFAULT_DAYS);
  query.department = query.language = query.channel = "";
  if (isDay(params.get("from")) && isDay(params.get("to"))) {
    var asked = { from: params.get("from"), to: params.get("to") };
    if (!rangeProblem(asked)) { query.from = asked.from; query.to = asked.to; }
  }
  var allowed = { department: departments, language: LANGUAGES, channel: CHANNELS };
  FILTERS.forEach(function (name) {
    var value = params.get(name) || "";
    // Departments not known yet (their list failed): any name; the API refuses a wrong one.
    var known = allowed[name].length ? allowed[name].indexOf(value) >= 0 : /^[a-z0-9_]{1,32}$/.test(value);
    if (value && known) { query[name] = value; }
  });
  return query;
}

export function writeHash(query) {
  var params = new URLSearchParams();
  params.set("from", query.from);
  params.set("to", query.to);
  FILTERS.forEach(function (name) { if (query[name]) { params.set(name, query[name]); } });
  var hash = "#" + params.toString();
  if (window.location.hash === hash) { return false; }
  window.location.hash = hash;
  return true;
}

/* The query's parameters for the analytics API (empty filters left out). */
export function apiParams(query, extra) {
  var params = new URLSearchParams();
  params.set("from", query.from);
  params.set("to", query.to);
  FILTERS.forEach(function (name) { if (query[name]) { params.set(name, query[name]); } });
  Object.keys(extra || {}).forEach(function (name) {
    if (extra[name] !== null && extra[name] !== undefined && extra[name] !== "") {
      params.set(name, String(extra[name]));
    }
  });
  return params;
}
