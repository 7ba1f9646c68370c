/*
 * Presence: while the console is open it tells the back office so (a heartbeat, as often as
 * the back office asks: helpdesk/services/presence.py holds the timeout), the agent's
 * online / away toggle, and who of the team is online, away or offline (an admin sees every
 * department). The hand-off promises customers a person only while someone is online.
 */
import { DEPARTMENTS, state } from "../state.js";
import { t } from "../i18n.js";
import { $, clear, el, show, showBanner } from "../dom.js";
import { deptName } from "../format.js";
import { api, errorText } from "../api.js";

var RETRY_MS = 15000;  // after a failed beat; otherwise the back office says how often

export function startPresence() {
  state.away = false;
  $("presence").value = "online";
  show($("presence-box"), true);
  beat(null);
}

export function stopPresence() {
  window.clearTimeout(state.presenceTimer);
  state.presenceTimer = null;
  state.team = null;
  show($("presence-box"), false);
  clear($("team-list"));
}

/* The toggle in the top bar. */
export function presenceChanged() {
  beat($("presence").value === "away");
}

function beat(away) {
  window.clearTimeout(state.presenceTimer);
  if (!state.token) { return; }
  var body = away === null ? {} : { away: away };
  api("POST", "/presence", body).then(function (data) {
    state.away = data.presence === "away";
    $("presence").value = state.away ? "away" : "online";
    $("presence-box").dataset.state = data.presence;
    schedule(data.heartbeat_seconds * 1000);
    loadTeam();
  }).catch(function (error) {
    if (error.status === 401) { return; }
    if (away !== null) { showBanner(errorText(error)); }
    schedule(RETRY_MS);
  });
}

function schedule(ms) {
  window.clearTimeout(state.presenceTimer);
  state.presenceTimer = window.setTimeout(function () { beat(null); }, ms || RETRY_MS);
}

export function loadTeam() {
  return api("GET", "/presence").then(function (data) {
    state.team = data.agents;
    renderTeam();
  }).catch(function () { /* shown again on the next beat */ });
}

/* Per department: who is online, away, offline; admins (no department) listed apart. */
export function renderTeam() {
  var box = $("team-list");
  clear(box);
  var agents = state.team;
  if (!agents || !state.agent) { return; }
  var groups = DEPARTMENTS.filter(function (key) {
    return agents.some(function (a) { return a.departments.indexOf(key) >= 0; });
  }).map(function (key) {
    return { name: deptName(key), key: key, agents: agents.filter(function (a) { return a.departments.indexOf(key) >= 0; }) };
  });
  var admins = agents.filter(function (a) { return a.is_admin; });
  if (admins.length) { groups.push({ name: t("team.admins"), key: "admins", agents: admins }); }
  groups.forEach(function (group) {
    var online = group.agents.filter(function (a) { return a.presence === "online"; }).length;
    box.appendChild(el("li", { className: "team-group", data: { department: group.key } }, [
      el("div", { className: "team-head" }, [
        el("span", { className: "team-name", text: group.name }),
        el("span", { className: "pill " + (online ? "pill-open" : "pill-closed"), text: t("team.online", { n: online }) })
      ]),
      el("ul", { className: "team-agents" }, group.agents.map(function (agent) {
        return el("li", { className: "team-agent", data: { username: agent.username, presence: agent.presence } }, [
          el("span", { className: "presence-dot", attrs: { "aria-hidden": "true" } }),
          el("span", { text: agent.display_name }),
          el("span", { className: "muted small", text: t("presence." + agent.presence) })
        ]);
      }))
    ]));
  });
}
