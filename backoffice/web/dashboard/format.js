/*
 * How figures, durations, days, times and names read in the current language. Times and days
 * are on the shop's clock (TIME_ZONE), the one the analytics count days in.
 */
import { state, TIME_ZONE } from "./state.js";
import { has, t } from "./i18n.js";

export function locale() { return state.lang === "vi" ? "vi-VN" : "en-GB"; }

export function formatCount(n) {
  if (n === null || n === undefined) { return t("value.none"); }
  return new Intl.NumberFormat(locale()).format(n);
}

/* A rate (a fraction 0-1, null when there was nothing to divide by) as a percentage. */
export function formatRate(rate) {
  if (rate === null || rate === undefined) { return t("value.none"); }
  return new Intl.NumberFormat(locale(), {
    style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1
  }).format(rate);
}

export function formatScore(score) {
  if (score === null || score === undefined) { return t("value.none"); }
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: 2, maximumFractionDigits: 2
  }).format(score);
}

/* Seconds as people read a wait: "45 s", "12 min", "2 h 05", "3 d 4 h". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) { return t("value.none"); }
  var s = Math.max(0, Math.round(seconds));
  if (s < 60) { return t("time.seconds", { n: s }); }
  if (s < 3600) { return t("time.minutes", { n: Math.floor(s / 60) }); }
  if (s < 86400) {
    var minutes = Math.floor((s % 3600) / 60);
    return t("time.hours", { h: Math.floor(s / 3600), m: (minutes < 10 ? "0" : "") + minutes });
  }
  return t("time.days", { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

/* A calendar day "2026-12-07" as the language writes it (no clock: it is already local). */
export function formatDay(day) {
  var parts = String(day).split("-").map(Number);
  if (parts.length !== 3 || parts.some(isNaN)) { return String(day); }
  var date = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
  return new Intl.DateTimeFormat(locale(), {
    day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC"
  }).format(date);
}

/* A moment (ISO 8601) on the shop's clock, with its date. */
export function formatTime(iso) {
  if (!iso) { return t("value.none"); }
  var date = new Date(iso);
  if (isNaN(date.getTime())) { return String(iso); }
  return new Intl.DateTimeFormat(locale(), {
    day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: TIME_ZONE
  }).format(date);
}

export function deptName(key) {
  if (!key || key === "unknown") { return t("dept.unknown"); }
  var known = state.departments.filter(function (d) { return d.key === key; })[0];
  if (known && known[state.lang]) { return known[state.lang]; }
  return key;
}

export function channelName(key) {
  return key && has("channel." + key) ? t("channel." + key) : (key && key !== "unknown" ? key : t("channel.other"));
}

export function languageName(key) {
  return key && has("language." + key) ? t("language." + key) : t("language.unknown");
}

export function topicName(key) {
  return !key || key === "unknown" ? t("intent.unknown") : key;
}
