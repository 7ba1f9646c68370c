/*
 * caredesk agent console: plain JavaScript modules, no framework, no build step. This is the
 * page's one script (index.html); it wires the page's controls to the views and starts.
 *
 *   state.js  what the console knows       i18n.js  UI strings (locales/<lang>.json)
 *   dom.js    building the page safely     format.js  times, money, department names
 *   api.js    the agent API + websocket    live.js  what pushed events and polling reload
 *   views/    one module per part of the page: topbar, session (sign in/out), nav, password,
 *             queue, conversation, details (customer, order, notes), tickets, tools (saved
 *             replies and knowledge base by the reply box), history (the customer's earlier
 *             tickets and orders), presence (heartbeat, away, the team), library (admins)
 *
 * Talks only to the agent API on the same origin (/api/v1/agent/...) and its websocket; the
 * page's Content-Security-Policy allows nothing else. Safety rule for every module: text that
 * comes from the server (customer and bot turns, subjects, notes, names, order data) is only
 * ever put into the page with textContent / createTextNode, never parsed as HTML.
 *
 * The views import each other's functions (opening a ticket's chat, reloading the queue after
 * a claim); they only call them on events, never while the modules load, so the cycles are safe.
 */
import { LANG_KEY, state, TOKEN_KEY } from "./state.js";
import { initialLanguage, t } from "./i18n.js";
import { $, hideBanner } from "./dom.js";
import { refreshTimes } from "./format.js";
import { api, on } from "./api.js";
import { handleEvent } from "./live.js";
import { renderWhoami, setConnection } from "./views/topbar.js";
import {
  endSession, loadDemoAccounts, renderDemoAccounts, signIn, signOut, startSession
} from "./views/session.js";
import { showView } from "./views/nav.js";
import { changePassword, closePasswordView, openPasswordView } from "./views/password.js";
import { loadQueue, renderQueue } from "./views/queue.js";
import {
  claim, confirmTransfer, hideTransferConfirm, loadConversation, renderConversation, replyKeydown,
  resolve, scrollToNewest, sendReply, takeOver, transcriptScrolled, transfer
} from "./views/conversation.js";
import { addNote } from "./views/details.js";
import { fillDepartmentSelect, renderTickets, searchTickets } from "./views/tickets.js";
import {
  closeTool, openTool, replyInput, toolSearchInput, toolSearchKeydown
} from "./views/tools.js";
import { renderHistory } from "./views/history.js";
import { agentKeystroke } from "./typing.js";
import { presenceChanged, renderTeam } from "./views/presence.js";
import {
  fillLibrarySelects, loadLibrary, renderLibrary, resetLibraryForm, saveReply
} from "./views/library.js";

// -- language --------------------------------------------------------------------------------

/* Puts the whole page, static labels and rendered views alike, in the current language. */
function applyLanguage() {
  document.documentElement.lang = state.lang;
  $("language").value = state.lang;
  document.querySelectorAll("[data-i18n]").forEach(function (node) {
    node.textContent = t(node.getAttribute("data-i18n"));
  });
  document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
    node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
  });
  document.querySelectorAll("[data-i18n-aria-label]").forEach(function (node) {
    node.setAttribute("aria-label", t(node.getAttribute("data-i18n-aria-label")));
  });
  refreshTimes();
  document.title = t("app.title");
  renderDemoAccounts();
  setConnection(state.wsLive ? "live" : (state.token ? "polling" : "offline"));
  if (state.agent) {
    renderWhoami();
    fillDepartmentSelect();
    renderQueue();
    if (state.current) { renderConversation(state.current, { relabel: true }); }
    renderTickets();
    renderHistory();
    renderTeam();
    fillLibrarySelects();
    renderLibrary();
    closeTool();
  }
}

function setLanguage(lang) {
  state.lang = lang === "vi" ? "vi" : "en";
  try { window.localStorage.setItem(LANG_KEY, state.lang); } catch (e) { /* private mode */ }
  applyLanguage();
}

// -- start -----------------------------------------------------------------------------------

function init() {
  on.sessionExpired = function () { endSession("auth.expired"); };
  on.connection = setConnection;
  on.event = handleEvent;
  state.lang = initialLanguage();
  applyLanguage();
  $("language").addEventListener("change", function (event) { setLanguage(event.target.value); });
  $("login-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("change-password").addEventListener("click", openPasswordView);
  $("password-form").addEventListener("submit", changePassword);
  $("password-cancel").addEventListener("click", closePasswordView);
  $("banner-close").addEventListener("click", hideBanner);
  document.querySelectorAll("#nav .tab").forEach(function (tab) {
    tab.addEventListener("click", function () { showView(tab.dataset.view, true); });
  });
  $("queue-refresh").addEventListener("click", function () {
    loadQueue();
    if (state.currentId) { loadConversation(); }
  });
  $("claim").addEventListener("click", claim);
  $("take-over").addEventListener("click", takeOver);
  $("transfer").addEventListener("click", transfer);
  $("transfer-anyway").addEventListener("click", confirmTransfer);
  $("transfer-cancel").addEventListener("click", function () {
    hideTransferConfirm();
    $("transfer-to").focus();
  });
  $("transfer-to").addEventListener("change", hideTransferConfirm);
  $("resolve").addEventListener("click", resolve);
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-text").addEventListener("keydown", replyKeydown);
  $("transcript").addEventListener("scroll", transcriptScrolled, { passive: true });
  $("new-messages").addEventListener("click", scrollToNewest);
  $("note-form").addEventListener("submit", addNote);
  $("ticket-search").addEventListener("submit", searchTickets);
  $("reply-text").addEventListener("input", replyInput);
  $("reply-text").addEventListener("input", agentKeystroke);
  $("canned-open").addEventListener("click", function () { openTool("canned", false); });
  $("kb-open").addEventListener("click", function () { openTool("kb", false); });
  $("tool-close").addEventListener("click", function () { closeTool(); $("reply-text").focus(); });
  $("tool-q").addEventListener("input", toolSearchInput);
  $("tool-q").addEventListener("keydown", toolSearchKeydown);
  $("presence").addEventListener("change", presenceChanged);
  $("library-search").addEventListener("submit", loadLibrary);
  $("library-form").addEventListener("submit", saveReply);
  $("library-cancel").addEventListener("click", resetLibraryForm);

  loadDemoAccounts();
  var saved = null;
  try { saved = window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { saved = null; }
  if (!saved) { $("username").focus(); return; }
  state.token = saved;
  api("GET", "/me").then(startSession).catch(function (error) {
    if (state.token) { endSession(error.status === 401 ? "auth.expired" : null); }
  });
}

// A module script runs once the page is parsed (like a deferred script).
init();
