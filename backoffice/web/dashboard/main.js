/*
 * caredesk's CCO dashboard: plain JavaScript modules, no framework; Chart.js is the one
 * library (dist/chart.js, built by web/build.mjs). This is the page's one script (index.html).
 *
 *   state.js   what the page knows        i18n.js  UI strings (locales/<lang>.json)
 *   dom.js     building the page safely   format.js  figures, durations, days, names
 *   api.js     the API with the token     period.js  the period and filters (URL hash)
 *   cards.js   key figures                charts.js  charts and their tables
 *   tables.js  breakdowns, CSV            drill.js   the conversations behind a figure
 *   csv.js     CSV files
 *
 * Talks only to the back office's API on the same origin: signing in with an agent account
 * (/api/v1/agent/...) and the analytics (/api/v1/analytics/...), which answer only a `cco` or
 * `admin` token. Text from the server is only ever put into the page as text, never as HTML.
 */
import { ANALYTICS_ROLES, CHANNELS, LANGUAGES, PRESETS, state, TOKEN_KEY } from "./state.js";
import { initialLanguage, saveLanguage, t } from "./i18n.js";
import {
  $, announce, busy, clear, el, hideBanner, show, showBanner, translateStatic
} from "./dom.js";
import { channelName, deptName, formatDay, languageName } from "./format.js";
import { api, errorText, fetchFile, on } from "./api.js";
import { apiParams, lastDays, rangeProblem, readHash, writeHash } from "./period.js";
import { renderCards } from "./cards.js";
import { destroyCharts, renderCharts } from "./charts.js";
import { renderTables } from "./tables.js";
import { closeDialogs, initDrill } from "./drill.js";
import { saveBlob } from "./csv.js";

// -- session -----------------------------------------------------------------------------------

function signIn(event) {
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
  busy(submit, true);
  submit.textContent = t("auth.signingIn");
  show(errorNode, false);
  api("POST", "/agent/login", null, { username: username, password: password }).then(function (data) {
    state.token = data.token;
    try { window.sessionStorage.setItem(TOKEN_KEY, data.token); } catch (e) { /* ignore */ }
    $("password").value = "";
    startSession(data.agent);
  }).catch(function (error) {
    errorNode.textContent = errorText(error);
    show(errorNode, true);
    $("password").focus();
  }).then(function () {
    busy(submit, false);
    submit.textContent = t("auth.submit");
  });
}

function renderWhoami() {
  if (!state.agent) { return; }
  $("whoami").textContent = t("auth.whoami", {
    name: state.agent.display_name, role: t("account." + state.agent.role)
  });
}

function startSession(agent) {
  state.agent = agent;
  hideBanner();
  show($("login-view"), false);
  show($("whoami"), true);
  show($("sign-out"), true);
  renderWhoami();
  if (ANALYTICS_ROLES.indexOf(agent.role) < 0) { showForbidden(); return; }
  show($("dashboard-view"), true);
  loadDepartments().then(function () {
    showQuery(readHash(state.departments.map(function (d) { return d.key; })), true);
  });
  $("dashboard-title").focus();
}

function showForbidden() {
  show($("dashboard-view"), false);
  show($("forbidden-view"), true);
  $("forbidden-text").textContent = t("forbidden.text", { name: state.agent ? state.agent.display_name : "" });
  $("forbidden-title").focus();
}

function signOut() {
  if (state.token) { api("POST", "/agent/logout").catch(function () { /* ends locally anyway */ }); }
  endSession("auth.signedOut");
}

function endSession(messageKey) {
  state.token = null;
  state.agent = null;
  state.summary = null;
  state.query = null;
  state.loadSeq += 1;
  try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
  closeDialogs();
  destroyCharts();
  show($("dashboard-view"), false);
  show($("forbidden-view"), false);
  show($("whoami"), false);
  show($("sign-out"), false);
  show($("login-view"), true);
  if (messageKey) { showBanner(t(messageKey)); }
  $("username").focus();
}

// -- controls ----------------------------------------------------------------------------------

/* The department names from the back office (its departments file); the filter's options. */
function loadDepartments() {
  return api("GET", "/agent/departments").then(function (data) {
    state.departments = data.departments.map(function (d) {
      return { key: d.department, en: d.name_en, vi: d.name_vi };
    });
  }).catch(function () { state.departments = []; }).then(fillSelects);
}

function fillSelect(id, keys, name) {
  var select = $(id);
  var value = select.value;
  clear(select);
  select.appendChild(el("option", { text: t("filters.all"), attrs: { value: "" } }));
  keys.forEach(function (key) { select.appendChild(el("option", { text: name(key), attrs: { value: key } })); });
  select.value = value;
}

function fillSelects() {
  fillSelect("f-department", state.departments.map(function (d) { return d.key; }), deptName);
  fillSelect("f-language", LANGUAGES, languageName);
  fillSelect("f-channel", CHANNELS, channelName);
  var presets = $("presets");
  clear(presets);
  PRESETS.forEach(function (days) {
    presets.appendChild(el("button", {
      className: "btn btn-small preset",
      text: t("filters.preset", { n: days }),
      attrs: { type: "button" },
      data: { days: days },
      on: { click: function () { applyPreset(days); } }
    }));
  });
}

function formQuery() {
  return {
    from: $("f-from").value,
    to: $("f-to").value,
    department: $("f-department").value,
    language: $("f-language").value,
    channel: $("f-channel").value
  };
}

function setForm(query) {
  $("f-from").value = query.from;
  $("f-to").value = query.to;
  $("f-department").value = query.department;
  $("f-language").value = query.language;
  $("f-channel").value = query.channel;
}

/* The form's period and filters: into the hash (which loads them), or a clear message. */
function applyForm(event) {
  if (event) { event.preventDefault(); }
  var query = formQuery();
  var problem = rangeProblem(query);
  show($("filters-error"), !!problem);
  if (problem) {
    $("filters-error").textContent = t(problem);
    return;
  }
  if (!writeHash(query)) { showQuery(query, true); }
}

function applyPreset(days) {
  var range = lastDays(days);
  $("f-from").value = range.from;
  $("f-to").value = range.to;
  applyForm();
}

function hashChanged() {
  if (!state.agent || ANALYTICS_ROLES.indexOf(state.agent.role) < 0) { return; }
  showQuery(readHash(state.departments.map(function (d) { return d.key; })), false);
}

// -- the figures -------------------------------------------------------------------------------

function setStatus(message, kind) {
  var node = $("status");
  node.textContent = message;
  node.dataset.kind = kind || "";
}

function showQuery(query, force) {
  var same = state.query && JSON.stringify(state.query) === JSON.stringify(query);
  if (same && !force) { return; }
  state.query = query;
  setForm(query);
  show($("filters-error"), false);
  var seq = ++state.loadSeq;
  setStatus(t("status.loading"), "loading");
  $("figures").setAttribute("aria-busy", "true");
  api("GET", "/analytics/summary", apiParams(query)).then(function (summary) {
    if (seq !== state.loadSeq) { return; }
    state.summary = summary;
    renderSummary();
    announce(t("status.loaded", { from: formatDay(summary.from), to: formatDay(summary.to) }));
  }).catch(function (error) {
    if (seq !== state.loadSeq || !state.token) { return; }
    if (error.code === "forbidden_role") { showForbidden(); return; }
    setStatus(errorText(error), "error");
  }).then(function () {
    $("figures").setAttribute("aria-busy", "false");
  });
}

function renderSummary() {
  var summary = state.summary;
  if (!summary) { return; }
  var previous = summary.previous || {};
  $("period").textContent = t("status.period", {
    from: formatDay(summary.from), to: formatDay(summary.to),
    prevFrom: formatDay(previous.from || ""), prevTo: formatDay(previous.to || "")
  });
  if (summary.conversations === 0) { setStatus(t("status.empty"), "empty"); } else { setStatus("", ""); }
  show($("figures"), true);
  renderCards(summary, openHelp);
  renderCharts(summary);
  renderTables(summary);
}

// -- help, export ------------------------------------------------------------------------------

var helpOpener = null;

function openHelp(key, opener) {
  helpOpener = opener;
  $("help-title").textContent = t("kpi." + key);
  $("help-text").textContent = t("help." + key);
  $("help").dataset.kpi = key;
  $("help").showModal();
}

function exportConversations() {
  var query = state.query;
  if (!query) { return; }
  var button = $("export");
  busy(button, true);
  button.textContent = t("export.exporting");
  var name = "caredesk-conversations-" + query.from + "_" + query.to + ".csv";
  fetchFile("/analytics/conversations.csv", apiParams(query), name).then(function (file) {
    saveBlob(file.blob, file.filename);
    announce(t("export.done"));
  }).catch(function (error) {
    if (state.token) { setStatus(errorText(error), "error"); }
  }).then(function () {
    busy(button, false);
    button.textContent = t("export.conversations");
  });
}

// -- language, start ---------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  $("language").value = state.lang;
  translateStatic();
  document.title = t("app.title");
  fillSelects();
  renderWhoami();
  if (state.agent && !$("forbidden-view").hidden) { showForbidden(); }
  if (state.summary) { renderSummary(); }
  if ($("help").open) { $("help-title").textContent = t("kpi." + $("help").dataset.kpi); $("help-text").textContent = t("help." + $("help").dataset.kpi); }
}

function init() {
  on.sessionExpired = function () { endSession("auth.expired"); };
  state.lang = initialLanguage();
  applyLanguage();
  initDrill();
  $("language").addEventListener("change", function (event) {
    state.lang = event.target.value === "vi" ? "vi" : "en";
    saveLanguage(state.lang);
    applyLanguage();
  });
  $("login-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("forbidden-sign-out").addEventListener("click", signOut);
  $("banner-close").addEventListener("click", hideBanner);
  $("filters").addEventListener("submit", applyForm);
  ["f-department", "f-language", "f-channel"].forEach(function (id) {
    $(id).addEventListener("change", function () { applyForm(); });
  });
  $("export").addEventListener("click", exportConversations);
  $("help-close").addEventListener("click", function () { $("help").close(); });
  $("help").addEventListener("close", function () {
    if (helpOpener && document.contains(helpOpener)) { helpOpener.focus(); }
    helpOpener = null;
  });
  window.addEventListener("hashchange", hashChanged);

  var saved = null;
  try { saved = window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { saved = null; }
  if (!saved) { $("username").focus(); return; }
  state.token = saved;
  api("GET", "/agent/me").then(startSession).catch(function (error) {
    if (state.token) { endSession(error.status === 401 ? "auth.expired" : null); }
  });
}

// A module script runs once the page is parsed (like a deferred script).
init();
