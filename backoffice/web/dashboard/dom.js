/*
 * Building the page safely: elements made with text nodes only (never HTML), the
 * screen-reader announcer, the banner.
 */
import { t } from "./i18n.js";

export function $(id) { return document.getElementById(id); }

/* Builds an element. Children that are strings become text nodes: never HTML. */
export function el(tag, options, children) {
  var node = document.createElement(tag);
  var o = options || {};
  if (o.className) { node.className = o.className; }
  if (o.text !== undefined && o.text !== null) { node.textContent = String(o.text); }
  if (o.attrs) {
    Object.keys(o.attrs).forEach(function (name) {
      if (o.attrs[name] !== null && o.attrs[name] !== undefined) {
        node.setAttribute(name, String(o.attrs[name]));
      }
    });
  }
  if (o.data) {
    Object.keys(o.data).forEach(function (name) { node.dataset[name] = String(o.data[name]); });
  }
  if (o.on) {
    Object.keys(o.on).forEach(function (name) { node.addEventListener(name, o.on[name]); });
  }
  (children || []).forEach(function (child) {
    if (child === null || child === undefined) { return; }
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return node;
}

export function clear(node) {
  while (node.firstChild) { node.removeChild(node.firstChild); }
}

export function show(node, visible) { node.hidden = !visible; }

/* Says `message` to screen readers (the polite live region). */
export function announce(message) {
  var node = $("announcer");
  node.textContent = "";
  window.setTimeout(function () { node.textContent = message; }, 60);
}

export function showBanner(message) {
  $("banner-text").textContent = message;
  show($("banner"), true);
}

export function hideBanner() { show($("banner"), false); }

export function busy(button, running) {
  button.disabled = running;
  button.setAttribute("aria-busy", running ? "true" : "false");
}

/* Static labels: every [data-i18n] element's text, placeholders and aria-labels. */
export function translateStatic() {
  document.querySelectorAll("[data-i18n]").forEach(function (node) {
    node.textContent = t(node.getAttribute("data-i18n"));
  });
  document.querySelectorAll("[data-i18n-aria-label]").forEach(function (node) {
    node.setAttribute("aria-label", t(node.getAttribute("data-i18n-aria-label")));
  });
}
