/*
 * The page's building blocks: elements built with text nodes only (never HTML), the
 * screen-reader announcer, the banner, busy buttons.
 */
import { t } from "./i18n.js";

export function $(id) { return document.getElementById(id); }

/* Builds an element. Children that are strings become text nodes: never HTML. */
export function el(tag, options, children) {
  var node = document.createElement(tag);
  var o = options || {};
  if (o.className) { node.className = o.className; }
  if (o.text !== undefined && o.text !== null) { node.textContent = String(o.text); }
  if (o.i18n) { node.setAttribute("data-i18n", o.i18n); node.textContent = t(o.i18n); }
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
