/*
 * What the dashboard knows: fixed names, and the one mutable state object every module reads
 * (the signed-in account, the period and filters shown, the summary the API answered).
 */
export var API = "/api/v1";
export var TOKEN_KEY = "caredesk.dashboard.token";
export var LANG_KEY = "caredesk.dashboard.lang";
// The shop's clock: the analytics count days in it (backoffice/analytics/kpis.py).
export var TIME_ZONE = "Asia/Ho_Chi_Minh";
// The roles that read the analytics (caredesk_rules.accounts.ANALYTICS_ROLES; the API checks).
export var ANALYTICS_ROLES = ["cco", "admin"];
export var DEFAULT_DAYS = 30;
export var PRESETS = [7, 30, 90];
// The analytics API's longest range (backoffice/analytics/api.py MAX_DAYS).
export var MAX_DAYS = 366;
export var LANGUAGES = ["en", "vi"];
// The customer channels (Rasa's input channel names), as the console names them.
export var CHANNELS = ["socketio", "rest", "telegram", "facebook", "zalo"];
// Conversations per page in a drill-down.
export var PAGE_SIZE = 20;

export var state = {
  lang: "en",
  token: null,
  agent: null,
  departments: [],        // [{key, en, vi}] from /agent/departments
  query: null,            // {from, to, department, language, channel}: what is shown
  summary: null,          // the API's answer for `query`
  loadSeq: 0
};
