/*
 * How times, durations, money, department names and server values read in the current
 * language.
 */
import { state } from "./state.js";
import { has, t } from "./i18n.js";
import { el } from "./dom.js";

function locale() { return state.lang === "vi" ? "vi-VN" : "en-GB"; }

export function formatTime(iso, withDate) {
  var date = new Date(iso);
  if (isNaN(date.getTime())) { return ""; }
  var today = new Date();
  var sameDay = date.toDateString() === today.toDateString();
  var options = (withDate || !sameDay)
    ? { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }
    : { hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(locale(), options).format(date);
}

/* A <time> element that is re-formatted when the language changes. */
export function timeEl(iso, withDate) {
  return el("time", {
    text: formatTime(iso, withDate),
    attrs: { datetime: iso },
    data: { at: iso, withDate: withDate ? "1" : "" }
  });
}

export function formatDuration(seconds) {
  var s = Math.max(0, Math.floor(seconds));
  if (s < 60) { return t("time.seconds", { n: s }); }
  if (s < 3600) { return t("time.minutes", { n: Math.floor(s / 60) }); }
  var minutes = Math.floor((s % 3600) / 60);
  return t("time.hours", { h: Math.floor(s / 3600), m: (minutes < 10 ? "0" : "") + minutes });
}

export function formatMoney(amount) {
  return new Intl.NumberFormat("vi-VN", { style: "currency", currency: "VND" }).format(amount);
}

export function deptName(key) {
  var names = state.deptNames[key];
  if (names && names[state.lang]) { return names[state.lang]; }
  return has("dept." + key) ? t("dept." + key) : key;
}

export function label(prefix, value) {
  return value && has(prefix + value) ? t(prefix + value) : (value || t("details.none"));
}
