// Reads the embedding <script> tag's data attributes: the host page needs no code of its own.

import { normaliseLanguage } from "./i18n.js";

export const DEFAULT_PRIMARY = "#0b5cad";

function findScript() {
  if (document.currentScript) return document.currentScript;
  const scripts = document.querySelectorAll("script[src*='caredesk-widget']");
  return scripts[scripts.length - 1] || null;
}

function validColour(value) {
  return /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(String(value || "").trim());
}

function httpUrl(value, fallback) {
  try {
    const url = new URL(value, window.location.href);
    if (url.protocol === "http:" || url.protocol === "https:") {
      return url.origin + url.pathname.replace(/\/+$/, "");
    }
  } catch (_) {
    /* fall through */
  }
  return fallback;
}

/** The language to start in: data-language, else the page's <html lang>, else the browser's. */
export function initialLanguage(attribute) {
  return (
    normaliseLanguage(attribute) ||
    normaliseLanguage(document.documentElement.getAttribute("lang")) ||
    (navigator.languages || [navigator.language]).map(normaliseLanguage).find(Boolean) ||
    "en"
  );
}

export function readConfig() {
  const script = findScript();
  const data = (script && script.dataset) || {};
  const scriptOrigin = script && script.src ? new URL(script.src, window.location.href).origin : window.location.origin;
  return {
    script,
    serverUrl: httpUrl(data.serverUrl || scriptOrigin, scriptOrigin),
    // Where photos go (the back office's POST /api/v1/attachments): the origin the script was
    // served from, unless data-backoffice-url says otherwise.
    backofficeUrl: httpUrl(data.backofficeUrl || scriptOrigin, scriptOrigin),
    socketPath: data.socketPath && data.socketPath.startsWith("/") ? data.socketPath : "/socket.io",
    language: initialLanguage(data.language),
    // The chat's title in each language (data-title-en, data-title-vi), else data-title for all.
    titles: {
      en: (data.titleEn || data.title || "").trim(),
      vi: (data.titleVi || data.title || "").trim(),
    },
    primaryColor: validColour(data.primaryColor) ? data.primaryColor.trim() : DEFAULT_PRIMARY,
    position: data.position === "left" ? "left" : "right",
    startOpen: data.open === "true",
  };
}

/** The shop's signed-in customer as the shop's server signed it (data-customer-token, or
 * window.caredeskCustomer = {token} set at any time), read at send time. The chat server checks
 * the signature; an unsigned id would prove nothing and is not sent. */
export function customerToken(config) {
  const fromPage = window.caredeskCustomer;
  let value = fromPage && typeof fromPage === "object" ? fromPage.token : null;
  if (value == null || value === "") value = config.script ? config.script.dataset.customerToken : null;
  value = value == null ? "" : String(value).trim();
  return value && value.length <= 600 ? value : null;
}

/** Which customer a token names (its second part), to notice a sign-out or another customer. */
export function customerKey(token) {
  return token ? token.split(".")[1] || "" : "";
}
