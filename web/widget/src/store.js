// The conversation kept in the browser: the Rasa session id (so a reload or another tab joins
// the same conversation) and a bounded copy of the transcript (so history shows again), shared
// by every tab of the site through localStorage and its "storage" event.

export const MAX_MESSAGES = 150;

function newSessionId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function newMessageId() {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
}

export class Store {
  constructor(serverUrl) {
    this.prefix = "caredesk:" + serverUrl + ":";
    this.memory = new Map(); // when localStorage is unavailable (privacy modes)
    this.listeners = [];
    this.shared = true; // false when localStorage is unusable: then each tab keeps its own copy
    try {
      window.localStorage.setItem(this.prefix + "probe", "1");
      window.localStorage.removeItem(this.prefix + "probe");
    } catch (_) {
      this.shared = false;
    }
    window.addEventListener("storage", (event) => {
      if (event.key === this.prefix + "transcript") this.listeners.forEach((fn) => fn(this.messages()));
    });
  }

  get(name) {
    try {
      return window.localStorage.getItem(this.prefix + name);
    } catch (_) {
      return this.memory.has(name) ? this.memory.get(name) : null;
    }
  }

  set(name, value) {
    try {
      window.localStorage.setItem(this.prefix + name, value);
    } catch (_) {
      this.memory.set(name, value);
    }
  }

  remove(name) {
    try {
      window.localStorage.removeItem(this.prefix + name);
    } catch (_) {
      /* only in memory */
    }
    this.memory.delete(name);
  }

  /** The shop's signed-in customer is now `key` ("" for nobody). When the customer who was
   * signed in went away (signed out, or another signed in), their conversation is forgotten in
   * this browser and true is returned: the next person at it starts a new one. A guest who
   * signs in keeps the conversation. */
  followCustomer(key) {
    const before = this.get("customer") || "";
    if (key === before) return false;
    if (key) this.set("customer", key);
    else this.remove("customer");
    if (!before) return false;
    ["session", "session_token", "transcript"].forEach((name) => this.remove(name));
    return true;
  }

  sessionId() {
    let id = this.get("session");
    if (!id || !/^[0-9a-zA-Z_-]{8,64}$/.test(id)) {
      id = newSessionId();
      this.set("session", id);
    }
    return id;
  }

  // The server issues sessions: the id it confirmed and the token that proves this browser
  // owns it. Without a valid token the server starts a new conversation.
  sessionToken() {
    return this.get("session_token") || "";
  }

  /** Adopts the session the server confirmed. A session this browser had proven it owned and
   * lost (expired secret, another browser's id) starts an empty transcript; a first visit keeps
   * what the customer typed while the session was being issued. */
  setSession(id, token) {
    const hadSession = Boolean(this.sessionToken());
    const kept = hadSession ? [] : this.messages();
    this.set("session", id);
    this.set("session_token", token);
    this.set("transcript", JSON.stringify({ session: id, messages: kept }));
    return kept;
  }

  language() {
    return this.get("language");
  }

  setLanguage(language) {
    this.set("language", language);
  }

  messages() {
    try {
      const stored = JSON.parse(this.get("transcript") || "null");
      if (stored && stored.session === this.sessionId() && Array.isArray(stored.messages)) {
        return stored.messages.filter((m) => m && typeof m.id === "string" && typeof m.role === "string");
      }
    } catch (_) {
      /* a broken entry is a fresh start */
    }
    return [];
  }

  /** Appends under the latest stored state (another tab may have written since). */
  append(message) {
    const messages = this.messages();
    if (messages.some((m) => m.id === message.id)) return messages;
    messages.push(message);
    const kept = messages.slice(-MAX_MESSAGES);
    this.set("transcript", JSON.stringify({ session: this.sessionId(), messages: kept }));
    return kept;
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  /** The server time of the latest bot message stored (what to fetch missed messages after),
   * or null when none was placed by the server. */
  cursor() {
    const times = this.messages().map((m) => m.serverAt).filter((at) => typeof at === "number");
    return times.length ? Math.max(...times) : null;
  }

  /** The delivery ids of the latest messages the helpdesk asked us to confirm. */
  recentDeliveryIds(count) {
    const ids = this.messages().map((m) => m.deliveryId).filter(Boolean);
    return Array.from(new Set(ids)).slice(-count);
  }
}

/** One tab at a time records the bot's messages (every tab receives them from the room); the
 * Web Locks API hands the role to another tab when the recorder closes. Without it every tab
 * records, and the worst case is a duplicate line. */
export function electRecorder(name, onElected) {
  if (!(navigator.locks && navigator.locks.request)) {
    onElected();
    return;
  }
  navigator.locks.request(name, () => {
    onElected();
    return new Promise(() => {}); // held until the tab goes away
  });
}
