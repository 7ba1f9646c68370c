/*
 * Signing in and out: the sign-in form, starting the console for an agent, and ending the
 * session (signed out, or the token expired).
 */
import { POLL_MS, state, TOKEN_KEY } from "../state.js";
import { startPresence, stopPresence } from "./presence.js";
import { fillLibrarySelects, resetLibraryForm } from "./library.js";
import { t } from "../i18n.js";
import { $, clear, el, hideBanner, show, showBanner } from "../dom.js";
import { accountWork } from "../format.js";
import { api, closeSocket, connectSocket, errorText } from "../api.js";
import { poll } from "../live.js";
import { renderWhoami } from "./topbar.js";
import { showView } from "./nav.js";
import { resetPasswordForm } from "./password.js";
import { loadQueue, tick } from "./queue.js";
import { closeConversation, openConversation } from "./conversation.js";
import { loadIntentLabels } from "./details.js";
import { fillDepartmentSelect } from "./tickets.js";

/* A demo's sign-in page names its users (GET /demo-accounts answers only in a demo). */
export function loadDemoAccounts() {
  return api("GET", "/demo-accounts").then(function (data) {
    state.demoAccounts = data.accounts;
    renderDemoAccounts();
  }).catch(function () { /* not a demo: nothing to show */ });
}

export function renderDemoAccounts() {
  var accounts = state.demoAccounts;
  var list = $("demo-list");
  clear(list);
  show($("demo-accounts"), !!(accounts && accounts.length));
  (accounts || []).forEach(function (account) {
    var works = accountWork(account);
    var button = el("button", {
      className: "demo-user",
      attrs: { type: "button", title: t("demo.use", { username: account.username }) },
      data: { username: account.username }
    }, [
      el("span", { className: "mono demo-username", text: account.username }),
      el("span", { className: "demo-name", text: account.display_name }),
      el("span", { className: "muted small", text: works })
    ]);
    button.addEventListener("click", function () {
      $("username").value = account.username;
      $("password").focus();
    });
    list.appendChild(el("li", {}, [button]));
  });
}

export function signIn(event) {
  event.preventDefault();
  var username = $("username").value.trim();
  var password = $("password").value;
  var errorNode = $("login-error");
  if (!username || !password) {
    errorNode.textContent = t("auth.missing");
    show(errorNode, true);
    return;
  }
  var submit = $("login-submit");
  submit.disabled = true;
  submit.textContent = t("auth.signingIn");
  show(errorNode, false);
  api("POST", "/login", { username: username, password: password }).then(function (data) {
    state.token = data.token;
    try { window.sessionStorage.setItem(TOKEN_KEY, data.token); } catch (e) { /* ignore */ }
    $("password").value = "";
    startSession(data.agent);
  }).catch(function (error) {
    errorNode.textContent = errorText(error);
    show(errorNode, true);
    $("password").focus();
  }).then(function () {
    submit.disabled = false;
    submit.textContent = t("auth.submit");
  });
}

export function startSession(agent) {
  state.agent = agent;
  hideBanner();
  show($("login-view"), false);
  show($("nav"), true);
  show($("whoami"), true);
  show($("change-password"), true);
  show($("sign-out"), true);
  show($("connection"), true);
  show($("tab-library"), !!agent.is_admin);
  fillLibrarySelects();
  startPresence();
  renderWhoami();
  fillDepartmentSelect();
  loadIntentLabels();
  showView("chats", false);
  loadQueue();
  connectSocket();
  state.pollTimer = window.setInterval(poll, POLL_MS);
  state.tickTimer = window.setInterval(tick, 1000);
  $("queues-title").setAttribute("tabindex", "-1");
  $("queues-title").focus();
  openLinkedConversation();
}

// A link to one conversation (`/console#conversation=<id>`, the CCO dashboard's "Open in
// console"): opened once signed in; the server still decides whether this agent may see it.
var LINK = /^#conversation=([^&]{1,200})$/;

function openLinkedConversation() {
  var match = LINK.exec(window.location.hash);
  if (!match) { return; }
  var id;
  try { id = decodeURIComponent(match[1]); } catch (e) { return; }
  window.history.replaceState(null, "", window.location.pathname);
  openConversation(id);
}

export function signOut() {
  var token = state.token;
  if (token) { api("POST", "/logout").catch(function () { /* ends locally anyway */ }); }
  endSession("auth.signedOut");
}

export function endSession(messageKey) {
  state.token = null;
  state.agent = null;
  try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
  closeSocket();
  stopPresence();
  state.library = null;
  show($("tab-library"), false);
  show($("library-view"), false);
  resetLibraryForm();
  [state.pollTimer, state.tickTimer].forEach(function (timer) { window.clearInterval(timer); });
  state.pollTimer = state.tickTimer = null;
  state.queue = null;
  state.waitingSeen = null;
  state.unread = {};
  state.tickets = [];
  closeConversation();
  clear($("queue-list"));
  clear($("ticket-rows"));
  $("ticket-count").textContent = "";
  show($("nav"), false);
  show($("whoami"), false);
  show($("change-password"), false);
  show($("sign-out"), false);
  show($("connection"), false);
  show($("chats-view"), false);
  show($("tickets-view"), false);
  resetPasswordForm();
  show($("password-view"), false);
  show($("login-view"), true);
  if (messageKey) { showBanner(t(messageKey)); }
  $("username").focus();
}
