// The chat UI in its own shadow root: launcher, panel, message log, composer, and the keyboard
// and screen-reader behaviour. It renders the stored transcript; the connection feeds it.

import css from "./widget.css";
import { customerKey, customerToken } from "./config.js";
import { LANGUAGES, formatNumber, knownTimeZone, languageName, messageTime, promisedTime, translator } from "./i18n.js";
import { conversationState, deliveryId, fromBot, fromCustomer, initials, sentAt } from "./messages.js";
import { link, richText, safeHttpUrl } from "./richtext.js";
import { Connection } from "./connection.js";
import { Store, electRecorder } from "./store.js";
import { AGENT_TYPING_SHOWN_MS, TypingSignal } from "./typing.js";

const SMALL_SCREEN = "(max-width: 480px)";
// Typing dots show only while an answer from the assistant is on its way: from a message sent
// to the assistant until the server says it is done with it (`turn_done_event`). A server that
// never says so (a standard Rasa) gets the dots until its first reply, at most this long.
const TYPING_TIMEOUT_MS = 20000;
const TYPING_SAFETY_MS = 60000; // a "done" lost on the way (a reconnection resets them anyway)
// The length counter shows from this share of the server's limit on.
const COUNTER_FROM = 0.8;
// While the chat is open or with a person, ask now and then for what the server said that
// never arrived (a message lost between the server's replicas); always on (re)connecting.
const RESYNC_MS = 20000;
const RECONFIRMED = 20; // delivery ids confirmed again on each connection
const SVG_NS = "http://www.w3.org/2000/svg";

function el(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children || []) if (child) node.appendChild(child);
  return node;
}

function icon(pathData) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", pathData);
  svg.appendChild(path);
  return svg;
}

const ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
const ICON_CLOSE = "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z";
const ICON_SEND = "M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z";
// A picture frame (Material "image"): the attach button sends a photo.
const ICON_PHOTO = "M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2zm0 16H5V5h14zm-5.04-6.71-2.75 3.54-1.96-2.36L6.5 17h11z";
const ICON_CLOCK = "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm.5-13H11v6l5.2 3.1.8-1.2-4.5-2.7z";

// Messages that arrived while the panel was closed, for this tab (as whether the panel is open).
const UNREAD_KEY = "caredesk:unread";

function storedUnread() {
  try {
    const n = Number(window.sessionStorage.getItem(UNREAD_KEY));
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch (_) {
    return 0; // no session storage: counted in this page only
  }
}

function storeUnread(count) {
  try {
    window.sessionStorage.setItem(UNREAD_KEY, String(count));
  } catch (_) {
    /* counted in this page only */
  }
}

/** WCAG relative luminance, to pick a readable text colour on the host's brand colour. */
function luminance(hex) {
  let h = hex.replace("#", "");
  if (h.length === 3) h = h.split("").map((c) => c + c).join("");
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function foregroundFor(hex) {
  const l = luminance(hex);
  const onWhite = 1.05 / (l + 0.05);
  const onDark = (l + 0.05) / (luminance("#111827") + 0.05);
  return onWhite >= onDark ? "#ffffff" : "#111827";
}

function applyStyles(root) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css); // constructable sheets: no inline <style> for the host's CSP to block
    root.adoptedStyleSheets = [sheet];
  } catch (_) {
    root.appendChild(el("style", { text: css }));
  }
}

export class Widget {
  constructor(config) {
    this.config = config;
    this.store = new Store(config.serverUrl);
    const chosen = this.store.language();
    this.language = LANGUAGES.includes(chosen) ? chosen : config.language;
    this.t = translator(this.language);
    const leftBehind = this.store.followCustomer(customerKey(customerToken(config))); // signed out since the last visit?
    this.sessionId = this.store.sessionId();
    this.messages = this.store.messages();
    // The shop's time zone as the chat server last said it, until it says it again.
    this.timeZone = knownTimeZone(this.store.get("time_zone"));
    this.rendered = new Map(); // message id → element
    this.isOpen = false;
    // The launcher's badge, kept across the shop's pages; not the signed-out customer's.
    if (leftBehind) storeUnread(0);
    this.unread = storedUnread();
    this.connectionState = "connecting";
    this.recorder = false;
    this.typingTimer = null;
    this.agentTypingTimer = null;
    // The customer's keystrokes, told to the agent while a person owns or is awaited for the
    // conversation (never while the assistant has it).
    this.customerTyping = new TypingSignal((flag) => this.connection && this.connection.typing(flag));
    // Messages sent that the server is not done with yet, in order: whether each went to the
    // assistant (sent while nobody owned or was awaited for the conversation).
    this.inFlight = [];
    this.photoUrls = new Map(); // attachment id → object URL of the photo (ours to show)
    this.waitingPhotos = []; // photos to fetch once the server gave an upload token
  }

  mount() {
    const host = el("div", { id: "caredesk-widget", "data-caredesk": "widget" });
    host.style.setProperty("--cd-primary", this.config.primaryColor);
    host.style.setProperty("--cd-on-primary", foregroundFor(this.config.primaryColor));
    this.host = host;
    this.root = host.attachShadow({ mode: "open" });
    applyStyles(this.root);
    this.build();
    document.body.appendChild(host);
    this.applyLanguage();
    this.renderAll();

    this.store.onChange((messages) => this.sync(messages, true));
    electRecorder("caredesk-recorder:" + this.config.serverUrl, () => {
      this.recorder = true;
      if (this.connection) this.catchUp(true); // what arrived while another tab recorded
    });
    if (!this.store.shared) this.recorder = true;
    this.connection = new Connection({
      url: this.config.serverUrl,
      path: this.config.socketPath,
      sessionId: this.sessionId,
      sessionToken: this.store.sessionToken(),
      onSession: (id, token) => this.adoptSession(id, token),
      onBotMessage: (data) => this.receive(data),
      onState: (state) => this.setConnectionState(state),
      onReady: () => {
        this.adoptTimeZone(this.connection.timeZone);
        this.catchUp(true);
        this.loadWaitingPhotos();
        this.updateCounter(); // the server's limit is known now
      },
      onTurnDone: () => this.turnDone(),
      onAgentTyping: (typing, name) => (typing ? this.showAgentTyping(name) : this.hideAgentTyping()),
    });
    this.connection.start();
    setInterval(() => {
      if (this.isOpen || this.conversation.mode !== "bot") this.catchUp(false);
      this.updateStatus(); // "expected by" moves on with the clock
    }, RESYNC_MS);
    let wasOpen = false;
    try {
      wasOpen = window.sessionStorage.getItem("caredesk:open") === "1";
    } catch (_) {
      /* no session storage: start closed */
    }
    if (wasOpen || this.config.startOpen) this.open({ focus: false });
    this.smallScreen = window.matchMedia(SMALL_SCREEN);
    const onSize = () => this.updateModality();
    if (this.smallScreen.addEventListener) this.smallScreen.addEventListener("change", onSize);
  }

  // -- structure ---------------------------------------------------------------------------

  build() {
    const position = this.config.position;
    this.launcherLabel = el("span", { class: "cd-sr" });
    // Named ("1 new message") as part of the launcher's accessible name.
    this.badge = el("span", { class: "cd-badge", role: "img", hidden: true });
    this.launcher = el("button", { type: "button", class: "cd-launcher", "aria-expanded": "false", "aria-controls": "cd-panel" }, [
      icon(ICON_CHAT),
      this.launcherLabel,
      this.badge,
    ]);
    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));

    this.title = el("h2", { class: "cd-title", id: "cd-title" });
    this.status = el("p", { class: "cd-status", id: "cd-status" });
    this.substatus = el("p", { class: "cd-substatus", id: "cd-substatus", hidden: true });
    // Who the customer is talking to: the agent's initials, or a clock while waiting for one.
    this.avatar = el("span", { class: "cd-avatar", "aria-hidden": "true", hidden: true });
    this.languageLabel = el("label", { class: "cd-sr", for: "cd-language" });
    this.languageSelect = el(
      "select",
      { id: "cd-language", class: "cd-language" },
      LANGUAGES.map((code) => el("option", { value: code, lang: code, text: languageName(code) }))
    );
    this.languageSelect.addEventListener("change", () => this.setLanguage(this.languageSelect.value));
    this.closeButton = el("button", { type: "button", class: "cd-close" }, [icon(ICON_CLOSE)]);
    this.closeButton.addEventListener("click", () => this.close());
    const header = el("header", { class: "cd-header" }, [
      this.avatar,
      el("div", { class: "cd-heading" }, [this.title, this.status, this.substatus]),
      this.languageLabel,
      this.languageSelect,
      this.closeButton,
    ]);

    this.banner = el("p", { class: "cd-banner", hidden: true });
    this.welcome = el("p", { class: "cd-welcome" });
    this.list = el("div", { class: "cd-messages" });
    this.typingText = el("span", { class: "cd-sr" });
    this.typing = el("div", { class: "cd-typing", hidden: true }, [
      el("span", { class: "cd-dot", "aria-hidden": "true" }),
      el("span", { class: "cd-dot", "aria-hidden": "true" }),
      el("span", { class: "cd-dot", "aria-hidden": "true" }),
      this.typingText,
    ]);
    // "<agent> is typing…" with the agent's initials, as the agent's messages show them.
    this.agentTypingAvatar = el("span", { class: "cd-msg-avatar", "aria-hidden": "true" });
    this.agentTypingText = el("span", { class: "cd-agent-typing-text" });
    this.agentTyping = el("div", { class: "cd-agent-typing", hidden: true }, [
      this.agentTypingAvatar,
      this.agentTypingText,
      el("span", { class: "cd-dot", "aria-hidden": "true" }),
      el("span", { class: "cd-dot", "aria-hidden": "true" }),
      el("span", { class: "cd-dot", "aria-hidden": "true" }),
    ]);
    this.log = el("div", { class: "cd-log", id: "cd-log", role: "region", tabindex: "0" }, [this.welcome, this.list, this.typing, this.agentTyping]);

    this.inputLabel = el("label", { class: "cd-sr", for: "cd-input" });
    // No maxlength: it would cut a pasted text silently; the counter below says what is too long.
    this.input = el("textarea", { id: "cd-input", class: "cd-input", rows: "1", autocomplete: "off", "aria-describedby": "cd-too-long cd-counter" });
    this.counter = el("span", { class: "cd-counter", id: "cd-counter", hidden: true });
    this.tooLong = el("p", { class: "cd-too-long", id: "cd-too-long", hidden: true });
    this.sendButton = el("button", { type: "submit", class: "cd-send" }, [icon(ICON_SEND)]);
    // Photos: the button opens the file chooser (images only); what is wrong with a file is
    // said below the composer, in the customer's language, before anything is sent.
    this.fileInput = el("input", { type: "file", class: "cd-file", accept: "image/jpeg,image/png,image/webp", tabindex: "-1", "aria-hidden": "true" });
    this.attachButton = el("button", { type: "button", class: "cd-attach", "aria-describedby": "cd-photo-error" }, [icon(ICON_PHOTO)]);
    this.attachButton.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files && this.fileInput.files[0];
      this.fileInput.value = "";
      if (file) this.sendPhoto(file);
    });
    this.photoError = el("p", { class: "cd-photo-error", id: "cd-photo-error", role: "alert", hidden: true });
    this.form = el("form", { class: "cd-form" }, [this.inputLabel, this.attachButton, this.input, this.sendButton, this.fileInput]);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });
    this.input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter is a new line; never while an IME (Telex, VNI) is composing.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendTyped();
      }
    });
    this.input.addEventListener("input", () => {
      this.autosize();
      this.updateCounter();
      if (this.conversation && this.conversation.mode !== "bot" && this.input.value.trim()) this.customerTyping.keystroke();
      else this.customerTyping.stop();
    });

    this.live = el("div", { class: "cd-sr", role: "status", "aria-live": "polite", "aria-atomic": "true", id: "cd-live" });
    this.panel = el("section", { class: "cd-panel", id: "cd-panel", role: "dialog", "aria-labelledby": "cd-title", "aria-describedby": "cd-status cd-substatus", hidden: true }, [
      header,
      this.banner,
      this.log,
      el("div", { class: "cd-limits" }, [this.photoError, this.tooLong, this.counter]),
      this.form,
    ]);
    this.container = el("div", { class: "cd-root", "data-position": position }, [this.panel, this.launcher, this.live]);
    // Escape closes from anywhere in the widget (the launcher too); Tab is kept in on phones.
    this.container.addEventListener("keydown", (event) => this.onKey(event));
    this.root.appendChild(this.container);
  }

  applyLanguage() {
    const t = (this.t = translator(this.language));
    this.container.setAttribute("lang", this.language);
    this.title.textContent = this.config.titles[this.language] || t("title");
    this.updateBadge();
    this.languageLabel.textContent = t("language");
    this.languageSelect.value = this.language;
    this.closeButton.setAttribute("aria-label", t("close"));
    this.closeButton.setAttribute("title", t("close"));
    this.log.setAttribute("aria-label", t("log"));
    this.welcome.textContent = t("welcome");
    this.typingText.textContent = t("typing");
    if (!this.agentTyping.hidden) this.labelAgentTyping(this.agentTyping.dataset.name || "");
    this.inputLabel.textContent = t("inputLabel");
    this.input.setAttribute("placeholder", t("placeholder"));
    this.sendButton.setAttribute("aria-label", t("send"));
    this.sendButton.setAttribute("title", t("send"));
    this.attachButton.setAttribute("aria-label", t("attach"));
    this.attachButton.setAttribute("title", t("attach"));
    if (this.photoError.dataset.key) this.showPhotoError(this.photoError.dataset.key, JSON.parse(this.photoError.dataset.params || "{}"));
    this.updateStatus();
    this.updateCounter();
  }

  setLanguage(language) {
    if (!LANGUAGES.includes(language) || language === this.language) return;
    this.language = language;
    this.store.setLanguage(language);
    this.applyLanguage();
    this.renderAll();
  }

  // -- open, close, keyboard ---------------------------------------------------------------

  open({ focus = true } = {}) {
    this.isOpen = true;
    this.panel.hidden = false;
    this.container.classList.add("cd-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.setUnread(0);
    this.applyLanguage();
    this.updateModality();
    this.scrollToEnd();
    try {
      window.sessionStorage.setItem("caredesk:open", "1");
    } catch (_) {
      /* not remembered */
    }
    if (focus) this.input.focus();
  }

  close() {
    this.isOpen = false;
    this.panel.hidden = true;
    this.container.classList.remove("cd-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.updateModality();
    try {
      window.sessionStorage.setItem("caredesk:open", "0");
    } catch (_) {
      /* not remembered */
    }
    this.launcher.focus();
  }

  /** Full screen on phones: then the panel is modal (focus stays in it, the page does not scroll). */
  updateModality() {
    const modal = this.isOpen && window.matchMedia(SMALL_SCREEN).matches;
    if (modal) this.panel.setAttribute("aria-modal", "true");
    else this.panel.removeAttribute("aria-modal");
    const rootStyle = document.documentElement.style;
    if (modal && !this.lockedScroll) {
      this.lockedScroll = { value: rootStyle.getPropertyValue("overflow") };
      rootStyle.setProperty("overflow", "hidden");
    } else if (!modal && this.lockedScroll) {
      if (this.lockedScroll.value) rootStyle.setProperty("overflow", this.lockedScroll.value);
      else rootStyle.removeProperty("overflow");
      this.lockedScroll = null;
    }
  }

  onKey(event) {
    if (event.key === "Escape" && this.isOpen) {
      event.preventDefault();
      event.stopPropagation();
      this.close();
      return;
    }
    if (event.key !== "Tab" || !this.panel.hasAttribute("aria-modal")) return;
    const focusable = Array.from(
      this.panel.querySelectorAll("button:not([disabled]), select, textarea, a[href], [tabindex='0']")
    ).filter((node) => !node.closest("[hidden]"));
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = this.root.activeElement;
    if (event.shiftKey && active === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  }

  // -- connection --------------------------------------------------------------------------

  setConnectionState(state) {
    const before = this.connectionState;
    this.connectionState = state;
    const offline = state === "offline";
    if (offline && !this.banner.textContent) {
      this.banner.hidden = false;
      this.banner.dataset.state = "offline";
      this.banner.textContent = this.t("connectionLost");
      this.announce(this.t("connectionLost"));
    } else if (state === "online" && before !== "online" && this.banner.dataset.state === "offline") {
      this.banner.dataset.state = "online";
      this.banner.textContent = this.t("connectionBack");
      this.announce(this.t("connectionBack"));
      clearTimeout(this.bannerTimer);
      this.bannerTimer = setTimeout(() => {
        if (this.connectionState === "online") {
          this.banner.hidden = true;
          this.banner.textContent = "";
          delete this.banner.dataset.state;
        }
      }, 2500);
    }
    this.container.dataset.connection = state;
    if (offline) this.inFlight = []; // what was on its way is fetched as missed messages
    this.updateStatus();
  }

  /** The header says who is on the other side: the assistant, the department the customer
   * waits for and when it promised to answer, or the agent (name and initials). */
  updateStatus() {
    const t = this.t;
    const state = conversationState(this.messages);
    this.conversation = state;
    const department = state.department;
    const departmentName = department ? department.names[this.language] || department.names.en || department.key : "";
    let text;
    let detail = "";
    if (state.mode === "agent") text = t("statusAgent", { name: state.agentName || t("agentFallback") });
    else if (state.mode === "waiting") {
      text = departmentName ? t("statusWaitingFor", { department: departmentName }) : t("statusWaiting");
      const at = department && department.expectedAt;
      if (at && at > Date.now()) detail = t("expectedBy", { time: promisedTime(at, this.language, this.timeZone) });
      else detail = t("expectedSoon");
    } else text = t("statusBot");
    if (this.connectionState === "offline") {
      text = t("statusOffline");
      detail = "";
    }
    this.status.textContent = text;
    this.substatus.textContent = detail;
    this.substatus.hidden = !detail;
    const agentInitials = state.mode === "agent" ? initials(state.agentName || t("agentFallback")) : "";
    this.avatar.hidden = state.mode === "bot";
    this.avatar.textContent = "";
    if (state.mode === "agent") this.avatar.textContent = agentInitials;
    else if (state.mode === "waiting") this.avatar.appendChild(icon(ICON_CLOCK));
    this.avatar.dataset.kind = state.mode;
    if (state.mode === "bot") {
      this.hideAgentTyping(); // the assistant has the conversation again
      this.customerTyping.stop();
    }
    this.container.dataset.mode = state.mode;
    if (department && department.key) this.container.dataset.department = department.key;
    else delete this.container.dataset.department;
    this.updateTyping();
  }

  // -- messages ----------------------------------------------------------------------------

  metadata() {
    return {
      page_url: window.location.href,
      customer_token: customerToken(this.config),
      language: this.language,
      confirms_delivery: true, // the helpdesk waits for our receipts (catchUp, receive)
    };
  }

  /** The shop's customer signed out (or another signed in) since the last message: what the
   * previous one said and verified stays in their conversation; this starts a new one. */
  followCustomer() {
    if (!this.store.followCustomer(customerKey(customerToken(this.config)))) return;
    this.sessionId = this.store.sessionId();
    this.messages = [];
    this.setUnread(0); // what came for the previous customer is not news for the next
    this.renderAll();
    this.connection.restart(this.sessionId);
  }

  /** Characters as the server counts them (code points: an emoji is one). */
  static length(text) {
    return Array.from(text).length;
  }

  sendTyped() {
    const text = this.input.value.trim();
    if (!text) return;
    if (this.overLimit(text)) {
      this.updateCounter(true); // says why, and keeps every word the customer typed
      this.input.focus();
      return;
    }
    this.input.value = "";
    this.autosize();
    this.updateCounter();
    this.send(text, text);
  }

  overLimit(text) {
    const max = this.connection && this.connection.maxChars;
    return Boolean(max) && Widget.length(text) > max;
  }

  /** Near the server's limit a counter shows; over it, a message says by how much and the
   * send button is off. Screen readers hear it when the text crosses the limit and at Enter. */
  updateCounter(alertNow = false) {
    if (!this.counter) return;
    const max = this.connection && this.connection.maxChars;
    const n = Widget.length(this.input.value.trim());
    const near = Boolean(max) && n >= Math.floor(max * COUNTER_FROM);
    const over = Boolean(max) && n > max;
    const numbers = near ? { n: formatNumber(n, this.language), max: formatNumber(max, this.language) } : null;
    this.counter.hidden = !near;
    this.counter.textContent = near ? numbers.n + " / " + numbers.max : "";
    if (near) this.counter.setAttribute("aria-label", this.t("counter", numbers));
    else this.counter.removeAttribute("aria-label");
    this.counter.classList.toggle("cd-over", over);
    this.input.setAttribute("aria-invalid", over ? "true" : "false");
    this.sendButton.setAttribute("aria-disabled", over ? "true" : "false");
    const crossed = over && this.tooLong.hidden;
    this.tooLong.hidden = !over;
    this.tooLong.textContent = over ? this.t("tooLong", numbers) : "";
    if (over && (crossed || alertNow)) this.announce(this.tooLong.textContent);
  }

  /** A photo the customer chose: checked here (type, size), stored by the back office with
   * the conversation's upload token, then sent as a message carrying its reference. */
  async sendPhoto(file) {
    this.showPhotoError(null);
    const upload = this.connection && this.connection.upload;
    if (!upload) return this.showPhotoError("photoUnavailable");
    if (!upload.types.includes(file.type)) return this.showPhotoError("photoType");
    if (file.size > upload.maxBytes) {
      return this.showPhotoError("photoTooLarge", { size: file.size, max: upload.maxBytes });
    }
    this.attachButton.setAttribute("aria-busy", "true");
    this.attachButton.disabled = true;
    this.announce(this.t("photoSending"));
    let stored = null;
    try {
      const answer = await fetch(this.config.backofficeUrl + "/api/v1/attachments", {
        method: "POST",
        headers: { Authorization: "Bearer " + upload.token, "Content-Type": file.type },
        body: file,
        credentials: "omit",
      });
      if (answer.status === 413) return this.showPhotoError("photoTooLarge", { size: file.size, max: upload.maxBytes });
      if (answer.status === 415) return this.showPhotoError("photoType");
      if (answer.status === 201) stored = await answer.json();
    } catch (_) {
      stored = null;
    } finally {
      this.attachButton.removeAttribute("aria-busy");
      this.attachButton.disabled = false;
    }
    if (!stored || !stored.id) return this.showPhotoError("photoFailed");
    this.photoUrls.set(stored.id, URL.createObjectURL(file));
    this.send("", "", { id: stored.id });
    this.input.focus();
  }

  /** The message under the composer about the last photo (null clears it); kept as a key so
   * that switching the language says it again in the other one. */
  showPhotoError(key, params) {
    if (!key) {
      this.photoError.hidden = true;
      this.photoError.textContent = "";
      delete this.photoError.dataset.key;
      return;
    }
    // The file's size rounded up: a file just over the limit never reads as the limit itself.
    const shown = params ? { size: this.megabytes(params.size, Math.ceil), max: this.megabytes(params.max) } : undefined;
    this.photoError.dataset.key = key;
    this.photoError.dataset.params = JSON.stringify(params || {});
    this.photoError.textContent = this.t(key, shown);
    this.photoError.hidden = false;
  }

  megabytes(bytes, round = Math.round) {
    const mb = round((Number(bytes) / (1024 * 1024)) * 10) / 10;
    return formatNumber(mb, this.language) + " MB";
  }

  /** The customer's own photo, as an object URL: the one just chosen, else fetched from the
   * back office with the conversation's upload token (only its own photos are served). */
  async photoUrl(id) {
    if (this.photoUrls.has(id)) return this.photoUrls.get(id);
    const upload = this.connection && this.connection.upload;
    if (!upload) return null;
    try {
      const answer = await fetch(this.config.backofficeUrl + "/api/v1/attachments/" + id, {
        headers: { Authorization: "Bearer " + upload.token },
        credentials: "omit",
      });
      if (!answer.ok) return null;
      const url = URL.createObjectURL(await answer.blob());
      this.photoUrls.set(id, url);
      return url;
    } catch (_) {
      return null;
    }
  }

  showPhoto(id, image, link) {
    this.photoUrl(id).then((url) => {
      if (url) {
        image.src = url;
        link.href = url;
      } else if (!(this.connection && this.connection.upload)) this.waitingPhotos.push([id, image, link]);
    });
  }

  loadWaitingPhotos() {
    const waiting = this.waitingPhotos.splice(0);
    waiting.forEach(([id, image, link]) => this.showPhoto(id, image, link));
  }

  renderPhoto(attachment) {
    const t = this.t;
    const image = el("img", { class: "cd-photo", alt: t("photo") });
    const link = el("a", { class: "cd-photo-link", target: "_blank", rel: "noopener", title: t("photoOpen") + " " + t("newTab") }, [image]);
    this.showPhoto(attachment.id, image, link);
    return link;
  }

  send(label, payload, attachment) {
    this.followCustomer();
    this.customerTyping.stop();
    const message = fromCustomer(label, payload, attachment);
    this.sync(this.store.append(message), false);
    const metadata = this.metadata();
    if (message.attachment) metadata.attachment = message.attachment;
    this.connection.send(payload, metadata);
    this.inFlight.push(this.conversation.mode === "bot");
    if (this.connection.reportsTurns) this.updateTyping();
    else if (this.conversation.mode === "bot") this.showTyping();
  }

  /** The server is done with one message we sent: no more of its answer is coming. */
  turnDone() {
    this.inFlight.shift();
    this.updateTyping();
  }

  /** Every time shown is on the shop's clock (the server's `time_zone`): a new one redraws. */
  adoptTimeZone(zone) {
    if (!zone || zone === this.timeZone) return;
    this.timeZone = zone;
    this.store.set("time_zone", zone);
    this.renderAll();
  }

  adoptSession(id, token) {
    this.sessionId = id;
    this.messages = this.store.setSession(id, token);
    this.renderAll();
  }

  receive(data) {
    if (!this.connection.reportsTurns) this.hideTyping();
    if (!this.recorder) return; // the recording tab stores it; this tab renders it from storage
    const message = fromBot(data);
    if (message) this.sync(this.store.append(message), true);
    const delivery = deliveryId(data);
    if (delivery) this.connection.confirm([delivery]); // stored: the customer has it
  }

  /** Fetches the bot messages the server sent since the latest one stored (missed while
   * offline, or lost on the way); on connecting, confirms the latest receipts again too. */
  catchUp(connecting) {
    if (!this.recorder || !this.connection.placed) return; // a standard server places nothing
    if (connecting) this.connection.confirm(this.store.recentDeliveryIds(RECONFIRMED));
    const after = this.store.cursor();
    // A transcript kept before the server placed its messages: nothing to compare with.
    if (after === null && this.messages.some((m) => m.role !== "customer")) return;
    this.connection.fetchMissed(after === null ? 0 : after, (missed) => missed.forEach((data) => this.receive(data)));
  }

  /** With a server that reports turns: the dots while an answer from the assistant is on its
   * way, never while a person owns or is awaited for the conversation. */
  updateTyping() {
    if (!this.connection || !this.connection.reportsTurns) return;
    const coming = this.inFlight.some(Boolean) && this.conversation.mode === "bot";
    if (coming && this.typing.hidden) this.showTyping(TYPING_SAFETY_MS);
    else if (!coming && !this.typing.hidden) this.hideTyping();
  }

  showTyping(timeout = TYPING_TIMEOUT_MS) {
    this.typing.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.inFlight = [];
      this.hideTyping();
    }, timeout);
    this.scrollToEnd();
  }

  hideTyping() {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
  }

  /** The agent who holds the conversation types (the server sends it only then): shown until
   * their message arrives, they stop, or AGENT_TYPING_SHOWN_MS pass without news. */
  showAgentTyping(name) {
    if (!this.conversation || this.conversation.mode === "bot") return;
    this.labelAgentTyping(name);
    const wasHidden = this.agentTyping.hidden;
    this.agentTyping.hidden = false;
    clearTimeout(this.agentTypingTimer);
    this.agentTypingTimer = setTimeout(() => this.hideAgentTyping(), AGENT_TYPING_SHOWN_MS);
    if (wasHidden) this.scrollToEnd();
  }

  labelAgentTyping(name) {
    const who = name || (this.conversation && this.conversation.agentName) || this.t("agentFallback");
    this.agentTyping.dataset.name = name;
    this.agentTypingAvatar.textContent = initials(who);
    this.agentTypingText.textContent = this.t("agentTyping", { name: who });
  }

  hideAgentTyping() {
    clearTimeout(this.agentTypingTimer);
    this.agentTyping.hidden = true;
  }

  /** Brings the log in line with `messages`, appending what is new (and announcing it). */
  sync(messages, announce) {
    this.messages = messages;
    const ids = new Set(messages.map((m) => m.id));
    for (const [id, node] of this.rendered) {
      if (!ids.has(id)) {
        node.remove();
        this.rendered.delete(id);
      }
    }
    let agentName = null;
    for (const message of messages) {
      if (message.handoff && message.handoff.agentName) agentName = message.handoff.agentName;
      if (this.rendered.has(message.id)) continue;
      if (message.role !== "customer" && !(this.connection && this.connection.reportsTurns)) this.hideTyping();
      if (message.role === "agent" || message.role === "notice") this.hideAgentTyping(); // it arrived
      const node = this.renderMessage(message, agentName);
      this.list.appendChild(node);
      this.rendered.set(message.id, node);
      if (announce && message.role !== "customer") this.announceMessage(message, agentName);
    }
    this.refreshActions();
    this.updateStatus();
    this.scrollToEnd();
  }

  renderAll() {
    this.list.textContent = "";
    this.rendered.clear();
    this.sync(this.messages, false);
  }

  announce(text) {
    // Re-setting the same text is not announced again; clear first.
    this.live.textContent = "";
    setTimeout(() => (this.live.textContent = text), 50);
  }

  setUnread(count) {
    this.unread = count;
    storeUnread(count);
    this.updateBadge();
  }

  /** The launcher's badge and name: "Open chat…" and, when some arrived closed, "2 new messages". */
  updateBadge() {
    const n = this.unread;
    this.launcherLabel.textContent = this.t("open");
    this.badge.hidden = n === 0;
    this.badge.textContent = n ? String(n) : "";
    if (n) this.badge.setAttribute("aria-label", n === 1 ? this.t("unreadOne") : this.t("unread", { n }));
    else this.badge.removeAttribute("aria-label");
  }

  announceMessage(message, knownAgentName) {
    if (!this.isOpen) this.setUnread(this.unread + 1);
    const name = (message.handoff && message.handoff.agentName) || knownAgentName;
    const who = message.role === "agent" ? this.agentLabel(name) : message.role === "notice" ? "" : this.t("assistant");
    const text = message.text || (message.image ? this.t("image") : "") || (message.elements || []).map((e) => e.title).join(", ");
    this.announce(who ? who + ": " + text : text);
  }

  agentLabel(name) {
    return this.t("agent", { name: name || this.t("agentFallback") });
  }

  /** The time a message was said, in the customer's language, on the shop's clock. */
  timeOf(message) {
    const at = sentAt(message);
    if (typeof at !== "number" || !Number.isFinite(at)) return null;
    const written = messageTime(at, this.language, this.timeZone);
    return el("time", { class: "cd-time", datetime: new Date(at).toISOString(), title: this.t("sentAt", { time: written }), text: written });
  }

  /** The line across the log where an agent ended the conversation (resolved it). */
  renderEnd(message, name) {
    const t = this.t;
    const label = name ? t("endedBy", { name }) : t("ended");
    const time = this.timeOf(message);
    const divider = el("div", { class: "cd-divider", role: "separator", "aria-label": label + (time ? " · " + time.textContent : ""), "data-role": "notice", "data-event": "handoff_resolved" }, [
      el("span", { class: "cd-divider-label" }, [el("span", { text: label }), time ? el("span", { class: "cd-divider-time", text: " · " + time.textContent }) : null]),
    ]);
    if (!message.text) return divider;
    const text = el("div", { class: "cd-notice", "data-role": "notice" }, [el("p", { class: "cd-notice-text" }, [richText(message.text, t("newTab"))])]);
    return el("div", { class: "cd-ended" }, [divider, text]);
  }

  renderMessage(message, knownAgentName) {
    const t = this.t;
    const newTab = t("newTab");
    if (message.role === "notice") {
      const event = message.handoff && message.handoff.event;
      const name = (message.handoff && message.handoff.agentName) || knownAgentName;
      if (event === "handoff_resolved") return this.renderEnd(message, name);
      const notice = el("div", { class: "cd-notice", "data-role": "notice", "data-event": event });
      if (event === "agent_joined" && !message.text) notice.appendChild(el("p", { class: "cd-notice-line", text: t("agentJoined", { name: name || t("agentFallback") }) }));
      if (event === "agent_transferred" && name) notice.appendChild(el("p", { class: "cd-notice-line", text: t("agentLeft", { name }) }));
      if (message.text) notice.appendChild(el("p", { class: "cd-notice-text" }, [richText(message.text, newTab)]));
      const time = this.timeOf(message);
      if (time) notice.appendChild(time);
      return notice;
    }
    const role = message.role === "customer" ? "customer" : message.role === "agent" ? "agent" : "bot";
    const item = el("div", { class: "cd-msg cd-msg-" + role, "data-role": role, "data-id": message.id });
    const agentName = (message.handoff && message.handoff.agentName) || knownAgentName;
    const sender = role === "customer" ? t("you") : role === "agent" ? this.agentLabel(agentName) : t("assistant");
    item.appendChild(el("span", { class: role === "agent" ? "cd-sender" : "cd-sender cd-sr", text: sender }));
    if (role === "agent") {
      // The agent's initials beside the bubble, as in Intercom or Chatwoot (the name says it).
      item.appendChild(el("span", { class: "cd-msg-avatar", "aria-hidden": "true", text: initials(agentName || t("agentFallback")) }));
    }
    const bubble = el("div", { class: "cd-bubble" });
    if (role === "customer" && message.rated) {
      bubble.appendChild(
        el("p", { class: "cd-p" }, [
          el("span", { class: "cd-rated-stars", "aria-hidden": "true", text: "★".repeat(message.rated) + "☆".repeat(5 - message.rated) + " " }),
          el("span", { class: "cd-rated", text: t("rated", { n: message.rated }) }),
        ])
      );
    } else if (role === "customer") {
      if (message.attachment) bubble.appendChild(this.renderPhoto(message.attachment));
      if (message.text) bubble.appendChild(el("p", { class: "cd-p", text: message.text }));
    } else if (message.text) {
      bubble.appendChild(richText(message.text, newTab));
    }
    if (message.image && safeHttpUrl(message.image)) {
      bubble.appendChild(el("img", { class: "cd-image", src: message.image, alt: message.text ? "" : t("image"), loading: "lazy", referrerpolicy: "no-referrer" }));
    }
    if (message.elements) bubble.appendChild(this.renderElements(message.elements, newTab));
    if (bubble.childNodes.length) item.appendChild(bubble);
    if (message.buttons) {
      const group = el("div", { class: "cd-replies", role: "group", "aria-label": message.text ? message.text.slice(0, 120) : t("assistant") });
      for (const button of message.buttons) {
        if (button.url) {
          group.appendChild(link(button.url, button.title, newTab));
          group.lastChild.classList.add("cd-reply");
          continue;
        }
        const node = el("button", { type: "button", class: "cd-reply", text: button.title });
        node.addEventListener("click", () => this.choose(button.title, button.payload));
        group.appendChild(node);
      }
      item.appendChild(group);
    }
    if (message.rating) item.appendChild(this.renderRating(message.rating));
    const time = this.timeOf(message);
    if (time) item.appendChild(time);
    return item;
  }

  renderElements(elements, newTab) {
    const list = el("ul", { class: "cd-cards" });
    for (const element of elements) {
      const card = el("li", { class: "cd-card" });
      if (element.image) card.appendChild(el("img", { class: "cd-card-image", src: element.image, alt: "", loading: "lazy", referrerpolicy: "no-referrer" }));
      if (element.title) card.appendChild(el("p", { class: "cd-card-title", text: element.title }));
      if (element.subtitle) card.appendChild(el("p", { class: "cd-card-subtitle" }, [richText(element.subtitle, newTab)]));
      for (const button of element.buttons || []) {
        if (button.url) card.appendChild(link(button.url, button.title, newTab));
        else {
          const node = el("button", { type: "button", class: "cd-reply", text: button.title });
          node.addEventListener("click", () => this.choose(button.title, button.payload));
          card.appendChild(node);
        }
      }
      list.appendChild(card);
    }
    return list;
  }

  renderRating(scores) {
    const t = this.t;
    const words = t("rateWords");
    const group = el("div", { class: "cd-rating", role: "group", "aria-label": t("rateGroup") });
    const stars = [];
    scores.forEach((score) => {
      const star = el("button", { type: "button", class: "cd-star", "data-score": String(score), "aria-label": t("rateOption", { n: score, word: words[score - 1] }), title: words[score - 1] }, [
        el("span", { class: "cd-star-icon", "aria-hidden": "true", text: "★" }),
        el("span", { class: "cd-star-number", "aria-hidden": "true", text: String(score) }),
      ]);
      const highlight = (on) => stars.forEach((s, i) => s.classList.toggle("cd-lit", on && i < score));
      star.addEventListener("mouseenter", () => highlight(true));
      star.addEventListener("focus", () => highlight(true));
      star.addEventListener("mouseleave", () => highlight(false));
      star.addEventListener("blur", () => highlight(false));
      star.addEventListener("click", () => this.choose(t("rated", { n: score }), `/inform{"csat_score": "${score}"}`));
      stars.push(star);
      group.appendChild(star);
    });
    return group;
  }

  choose(title, payload) {
    this.send(title, payload);
    this.input.focus(); // the buttons go away: keep keyboard users in the composer
  }

  /** Quick replies and the rating work until the customer says something after them. */
  refreshActions() {
    let answered = false;
    for (let i = this.messages.length - 1; i >= 0; i -= 1) {
      const message = this.messages[i];
      if (message.role === "customer") answered = true;
      const node = this.rendered.get(message.id);
      if (!node) continue;
      node.querySelectorAll(".cd-replies, .cd-rating").forEach((group) => {
        group.hidden = answered;
      });
    }
  }

  autosize() {
    this.input.style.setProperty("height", "auto");
    this.input.style.setProperty("height", Math.min(this.input.scrollHeight, 120) + "px");
  }

  scrollToEnd() {
    requestAnimationFrame(() => {
      this.log.scrollTop = this.log.scrollHeight;
    });
  }
}
