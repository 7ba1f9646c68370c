/*
 * The dashboard's UI strings: one table per language in locales/<lang>.json, the same keys in
 * both (tests/backoffice/web/test_dashboard.py checks them). Imported as JSON modules, so the
 * tables are loaded before any code of the page runs. The KPI definitions ("help." keys) word
 * the README's and analytics/kpis.py's.
 */
import { LANG_KEY, state } from "./state.js";
import en from "./locales/en.json" with { type: "json" };
import vi from "./locales/vi.json" with { type: "json" };

var I18N = { en: Object.freeze(en), vi: Object.freeze(vi) };

/* The text of a key in the current language (English when missing), with {name} filled in. */
export function t(key, vars) {
  var table = I18N[state.lang] || I18N.en;
  var text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : I18N.en[key];
  if (text === undefined) { return key; }
  if (vars) {
    text = text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : all;
    });
  }
  return text;
}

/* Whether a key exists: for keys made from a server value (error codes, channels). */
export function has(key) { return Object.prototype.hasOwnProperty.call(I18N.en, key); }

/* The language chosen last time on this browser, else the browser's own. */
export function initialLanguage() {
  var saved = null;
  try { saved = window.localStorage.getItem(LANG_KEY); } catch (e) { saved = null; }
  if (saved === "en" || saved === "vi") { return saved; }
  return (navigator.language || "").toLowerCase().indexOf("vi") === 0 ? "vi" : "en";
}

export function saveLanguage(lang) {
  try { window.localStorage.setItem(LANG_KEY, lang); } catch (e) { /* private mode */ }
}
