/*
 * How times, durations, money, department names and server values read in the current
 * language.
 */
import { state } from "./state.js";
import { has, t } from "./i18n.js";
import { el } from "./dom.js";

function locale() { return state.lang === "vi" ? "vi-VN" : "en-GB"; }

/* The calendar day of `date` on the shop's clock, "2026-12-07". */
function dayOf(date) {
  var parts = {};
  new Intl.DateTimeFormat("en-US", { timeZone: state.timeZone || undefined, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(date)
    .forEach(function (part) { parts[part.type] = part.value; });
  return parts.year + "-" + parts.month + "-" + parts.day;
}

/* Every time on the shop's clock (`state.timeZone`, from the queue: the departments file's
   `timezone`), so the times around a promise ("First reply expected by 13:55 today") read on
   the same clock as the promise, whatever the agent's browser is set to. */
export function formatTime(iso, withDate) {
  var date = new Date(iso);
  if (isNaN(date.getTime())) { return ""; }
  var sameDay = dayOf(date) === dayOf(new Date());
  var options = (withDate || !sameDay)
    ? { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }
    : { hour: "2-digit", minute: "2-digit" };
  options.timeZone = state.timeZone || undefined;
  return new Intl.DateTimeFormat(locale(), options).format(date);
}

/* `zone` when this browser knows it as a time zone, else null (times stay on its own clock). */
export function knownTimeZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch (error) {
    return null;
  }
}

/* Writes every time on the page again (another language, or the shop's time zone known). */
export function refreshTimes() {
  document.querySelectorAll("time[data-at]").forEach(function (node) {
    node.textContent = formatTime(node.dataset.at, node.dataset.withDate === "1");
  });
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

/* What an account works on, as the sign-in page and the top bar name it: an admin all
   departments, the cco the dashboard, an agent their departments. */
export function accountWork(account) {
  if (account.is_admin) { return t("auth.admin"); }
  if (account.role === "cco") { return t("auth.cco"); }
  return account.departments.map(deptName).join(", ");
}

/* A contact as agents read it: a Vietnamese phone number as customers write it
   (+84912345678 -> 0912 345 678), an email as it is. */
export function formatContact(contact) {
  var text = String(contact || "");
  var phone = /^\+84(\d{9})$/.exec(text);
  if (!phone) { return text; }
  var digits = "0" + phone[1];
  return digits.slice(0, 4) + " " + digits.slice(4, 7) + " " + digits.slice(7);
}

/* The channel a customer writes from, by its name ("Website chat", "Zalo"), never Rasa's
   internal one ("socketio"). */
export function channelName(key) {
  return key && has("channel." + key) ? t("channel." + key) : t("channel.other");
}

/* A system line in the agent's language, from the kind and values the back office stored with
   it; null for a line without them (older lines keep their English text). */
export function systemLine(message) {
  var data = message.event_data;
  if (!message.event || !data || !has("event." + message.event)) { return null; }
  var expected = state.lang === "vi" ? data.expected_vi : data.expected_en;
  return t("event." + message.event, {
    agent: data.agent || "",
    from: deptName(data.from),
    to: deptName(data.to),
    department: deptName(data.department),
    ticket: data.ticket || "",
    expected: expected || "",
    reason: has("noagent." + data.reason) ? t("noagent." + data.reason) : ""
  });
}

export function label(prefix, value) {
  return value && has(prefix + value) ? t(prefix + value) : (value || t("details.none"));
}
