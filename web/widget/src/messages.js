// Turns what Rasa's socket.io channel emits into the widget's own message records (plain data,
// stored as JSON): text, quick replies, images, lists, and caredesk's hand-off marks.

import { newMessageId } from "./store.js";

const MAX_TEXT = 4000;
const MAX_BUTTONS = 12;
const RATING = /^\/inform\s*\{\s*"csat_score"\s*:\s*"?([1-5])"?\s*\}$/;
const HANDOFF_EVENTS = ["handoff_waiting", "agent_joined", "agent_message", "agent_transferred", "handoff_resolved", "no_agent_available"];
// Hand-off events the widget shows as a notice between the messages (the others are said by
// the assistant or by the agent, in a bubble).
const NOTICE_EVENTS = ["agent_joined", "agent_transferred", "handoff_resolved", "no_agent_available"];

function str(value, max = MAX_TEXT) {
  return typeof value === "string" ? value.slice(0, max) : typeof value === "number" ? String(value) : "";
}

function httpUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value, window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (_) {
    return null;
  }
}

function buttonsOf(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((b) => b && typeof b === "object")
    .map((b) => ({ title: str(b.title, 200), payload: str(b.payload, 1000), url: b.type === "web_url" ? httpUrl(b.url) : null }))
    .filter((b) => b.title && (b.payload || b.url))
    .slice(0, MAX_BUTTONS);
}

function elementsOf(value) {
  const list = Array.isArray(value) ? value : value && typeof value === "object" ? [value] : [];
  return list
    .filter((e) => e && typeof e === "object")
    .slice(0, 20)
    .map((e) => ({
      title: str(e.title, 300),
      subtitle: str(e.subtitle, 1000),
      image: httpUrl(e.image_url || e.image),
      buttons: buttonsOf(e.buttons),
    }))
    .filter((e) => e.title || e.subtitle);
}

/** The 1-5 score a payload stands for, or null: the bot's rating question uses these. */
export function ratingScore(payload) {
  const match = RATING.exec(String(payload || "").trim());
  return match ? Number(match[1]) : null;
}

/** A promised moment (ISO 8601 with its offset) as milliseconds, else null. */
function moment(value) {
  if (typeof value !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** The department a wait is for (handoff_waiting, agent_transferred): its key, its names in
 * both languages (the customer may switch) and the first reply it promised. */
function waitingFor(value) {
  const names = value.department_names && typeof value.department_names === "object" ? value.department_names : {};
  const department = { key: str(value.department, 40), names: { en: str(names.en, 100).trim(), vi: str(names.vi, 100).trim() } };
  const expectedAt = moment(value.expected_reply_at);
  if (expectedAt !== null) department.expectedAt = expectedAt;
  return department.key || department.names.en || department.names.vi ? department : null;
}

function handoffMark(value) {
  if (!value || typeof value !== "object") return null;
  const event = HANDOFF_EVENTS.includes(value.event) ? value.event : null;
  const from = value.from === "agent" ? "agent" : "bot";
  const agentName = str(value.agent_name, 100).trim() || null;
  if (!event && from !== "agent") return null;
  const mark = { event, from, agentName };
  const department = event === "handoff_waiting" || event === "agent_transferred" ? waitingFor(value) : null;
  if (department) mark.department = department;
  return mark;
}

/** When a message was said, in milliseconds: the server's time of a bot event when it placed
 * the message (a message fetched later keeps its own time), else when this browser got it. */
export function sentAt(message) {
  return typeof message.serverAt === "number" ? message.serverAt * 1000 : message.at;
}

/** A short hash of a text, to tell apart two server messages stamped alike. */
function digest(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

/** Where a bot message is in the conversation (channels/delivery.py): `caredesk.at`, the time
 * of its bot event on the server, and `caredesk.part`; null for a server that sends none. */
export function serverPlace(data) {
  const mark = data && typeof data === "object" && data.caredesk && typeof data.caredesk === "object" ? data.caredesk : null;
  const at = mark ? mark.at : null;
  if (typeof at !== "number" || !Number.isFinite(at) || at < 0) return null;
  return { at, part: Number.isInteger(mark.part) && mark.part >= 0 ? mark.part : 0 };
}

/** The helpdesk's delivery id of a message the widget must confirm, else null. */
export function deliveryId(data) {
  const mark = data && typeof data === "object" && data.caredesk && typeof data.caredesk === "object" ? data.caredesk : null;
  const id = mark ? mark.delivery_id : null;
  return typeof id === "string" && /^[0-9a-f]{32}$/.test(id) ? id : null;
}

/** One bot_uttered payload → one message record (null when there is nothing to show). A
 * message the server placed gets an id from its place, so receiving it twice (live and again
 * among the missed ones) stores it once. */
export function fromBot(data) {
  if (!data || typeof data !== "object") return null;
  const message = { id: newMessageId(), role: "bot", at: Date.now(), text: str(data.text) };
  const place = serverPlace(data);
  if (place) {
    message.id = "s" + place.at + ":" + place.part + ":" + digest(str(data.text));
    message.serverAt = place.at;
  }
  const delivery = deliveryId(data);
  if (delivery) message.deliveryId = delivery;
  let buttons = buttonsOf(data.quick_replies).concat(buttonsOf(data.buttons));
  const attachment = data.attachment && typeof data.attachment === "object" ? data.attachment : null;
  const payload = attachment && attachment.payload && typeof attachment.payload === "object" ? attachment.payload : {};
  const image = httpUrl(data.image) || (attachment && attachment.type === "image" ? httpUrl(payload.src || payload.url) : null);
  if (image) message.image = image;
  const elements = elementsOf(data.elements).concat(
    attachment && attachment.type === "template" ? elementsOf(payload.elements) : []
  );
  if (elements.length) message.elements = elements;
  const custom = data.custom && typeof data.custom === "object" ? data.custom : null;
  if (!message.text && custom) message.text = str(custom.text);
  if (buttons.length) {
    const scores = buttons.map((b) => ratingScore(b.payload));
    if (scores.every((s) => s !== null) && buttons.length >= 3) {
      message.rating = scores;
      buttons = [];
    }
  }
  if (buttons.length) message.buttons = buttons;
  const mark = handoffMark(data.caredesk);
  if (mark) {
    message.handoff = mark;
    if (mark.from === "agent" && (!mark.event || mark.event === "agent_message")) message.role = "agent";
    else if (NOTICE_EVENTS.includes(mark.event) && !message.rating && !message.buttons) message.role = "notice";
  }
  return message.text || message.image || message.elements || message.buttons || message.rating ? message : null;
}

const ATTACHMENT_ID = /^att_[0-9a-f]{32}$/;

/** A photo's reference as stored with the customer's message (its id in the back office). */
export function attachmentOf(value) {
  const id = value && typeof value === "object" ? value.id : null;
  return typeof id === "string" && ATTACHMENT_ID.test(id) ? { id } : null;
}

/** What the customer sent: shown as the button's title, sent as its payload; a photo's
 * reference with it when they sent one. */
export function fromCustomer(text, payload, attachment) {
  const message = { id: newMessageId(), role: "customer", at: Date.now(), text: str(text) };
  const photo = attachmentOf(attachment);
  if (photo) message.attachment = photo;
  if (payload && payload !== text) message.payload = str(payload, 1000);
  const score = ratingScore(payload);
  if (score) message.rated = score;
  return message;
}

/** Who is on the other side now, from the latest hand-off marks in the transcript: the
 * assistant, a wait for a department (which, and its promised first reply), or an agent. */
export function conversationState(messages) {
  let state = { mode: "bot", agentName: null, department: null };
  for (const m of messages) {
    const mark = m.handoff;
    if (!mark) continue;
    if (mark.event === "agent_joined" || (mark.from === "agent" && mark.event === "agent_message")) {
      state = { mode: "agent", agentName: mark.agentName || state.agentName, department: state.department };
    } else if (mark.event === "handoff_waiting" || mark.event === "agent_transferred") {
      state = { mode: "waiting", agentName: null, department: mark.department || null };
    } else if (mark.event === "handoff_resolved" || mark.event === "no_agent_available") {
      state = { mode: "bot", agentName: null, department: null };
    }
  }
  return state;
}

/** Up to two letters for an agent's avatar: the first letters of the first and last words
 * ("Lê Thị Mai Anh" → "LA"), as Chatwoot and Intercom draw them. */
export function initials(name) {
  const words = String(name || "").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "";
  const first = Array.from(words[0])[0] || "";
  const last = words.length > 1 ? Array.from(words[words.length - 1])[0] || "" : "";
  return (first + last).toLocaleUpperCase();
}
