/*
 * The top bar: who is signed in, and whether the console is live, polling or offline.
 */
import { state } from "../state.js";
import { t } from "../i18n.js";
import { $ } from "../dom.js";
import { accountWork } from "../format.js";

export function renderWhoami() {
  var agent = state.agent;
  if (!agent) { return; }
  $("whoami").textContent = t("auth.whoami", {
    name: agent.display_name,
    departments: accountWork(agent)
  });
}

export function setConnection(mode) {
  var node = $("connection");
  node.dataset.state = mode;
  $("connection-text").textContent = t("conn." + mode);
}
