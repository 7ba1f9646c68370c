/*
 * What the console knows: fixed names and timings, and the one mutable state object every
 * module reads and updates (the signed-in agent, the queue, the open conversation, timers).
 */
export var DEPARTMENTS = [
  "customer_support", "after_sales", "billing", "logistics", "sales", "marketing", "technical"
];
export var ROLES = ["customer", "bot", "agent", "system"];
export var TICKET_STATUSES = ["new", "open", "pending", "solved"];
// The customer channels (Rasa's input channel names), shown by their names ("channel." keys).
export var CHANNELS = ["socketio", "rest", "telegram", "facebook", "zalo"];
// System lines the back office marks with their kind (helpdesk/services/transition_listeners.py),
// worded here in the agent's language ("event." keys), and why nobody took a hand-off.
export var SYSTEM_EVENTS = ["joined", "transferred", "resolved", "no_agent", "bot_handoff"];
export var NO_AGENT_REASONS = ["closed", "not_claimed", "nobody_online"];
// The transcript follows the newest message while the agent is this close to its end (px).
export var FOLLOW_PX = 40;
// How old the "Transfer to" list's presence may get before an open conversation reads it again.
export var AVAILABILITY_MAX_AGE_MS = 15000;
export var TOKEN_KEY = "caredesk.console.token";
export var LANG_KEY = "caredesk.console.lang";
export var API = "/api/v1/agent";
export var POLL_MS = 10000;
export var WS_PING_MS = 25000;
export var WS_POLICY_VIOLATION = 4401;

export var state = {
  lang: "en",
  token: null,
  agent: null,
  view: "chats",
  queue: null,
  queueFetchedAt: 0,
  intentLabels: {},       // intent -> {en, vi}, from the knowledge file (routing reasons)
  deptNames: {},          // key -> {en, vi}, from the queue (the retailer's departments file)
  timeZone: null,         // the shop's, from the queue (same file): every time is shown in it
  currentId: null,
  current: null,
  convSeq: 0,
  rendered: [],           // message ids shown in the transcript, in order
  follow: true,           // the transcript keeps to its newest message (not scrolled up)
  unseen: 0,              // customer messages below while the agent reads further up
  unread: {},             // conversation id -> customer messages since it was last open
  waitingSeen: null,      // conversation ids seen waiting, to announce newcomers
  ws: null,
  wsLive: false,
  wsRetry: 0,
  wsTimer: null,
  pingTimer: null,
  pollTimer: null,
  tickTimer: null,
  queueTimer: null,
  convTimer: null,
  tickets: [],
  // Bumped by each ticket search and each status change: a search answer that arrives after a
  // newer search or change is stale and dropped (a push-triggered search may overtake them).
  ticketsVersion: 0,
  history: null,          // the open conversation's customer history (views/history.js)
  ordersLookedUp: null,   // the conversation whose given contact's orders the agent asked for
  library: null,          // saved replies in the admins' library view
  team: null,             // agents and their presence (views/presence.js)
  availability: null,     // department -> {open_now, agents_online, nobody}: "Transfer to"
  availabilityAt: 0,      // when it was last asked for
  away: false,
  presenceTimer: null,
  demoAccounts: null,     // the seeded accounts' names, when the back office is a demo
  lastWorkView: "chats"   // where "Cancel" on the password form goes back to
};

/* The departments whose queues and tickets the signed-in agent works on. */
export function myDepartments() {
  if (!state.agent) { return []; }
  return state.agent.is_admin ? DEPARTMENTS.slice() : state.agent.departments.slice();
}

export function canAccess(department) {
  return !!state.agent && (state.agent.is_admin || state.agent.departments.indexOf(department) >= 0);
}
