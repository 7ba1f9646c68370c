// Every string the widget itself shows, in English and Vietnamese (the bot's own texts come
// from the server already in the customer's language).

export const LANGUAGES = ["vi", "en"];

const STRINGS = {
  en: {
    languageName: "English",
    title: "Customer care",
    open: "Open chat with customer care",
    close: "Close chat",
    statusBot: "Virtual assistant",
    statusWaiting: "Waiting for an agent",
    statusWaitingFor: "Waiting for {department}",
    expectedBy: "Expected reply by {time}",
    expectedSoon: "Someone will be with you shortly",
    today: "{time}",
    tomorrow: "{time} tomorrow",
    statusAgent: "Chatting with {name}",
    statusOffline: "Reconnecting…",
    connectionLost: "Connection lost. Reconnecting…",
    connectionBack: "Connected again.",
    language: "Language",
    log: "Conversation",
    welcome:
      "Hello! Ask me about your orders, delivery, payment, returns or warranty. You can also ask for a person.",
    inputLabel: "Your message",
    placeholder: "Type a message…",
    send: "Send",
    you: "You",
    assistant: "Assistant",
    agent: "{name} (agent)",
    agentFallback: "Agent",
    agentJoined: "{name} joined the conversation",
    agentLeft: "{name} left the conversation",
    ended: "Conversation ended",
    endedBy: "{name} ended the conversation",
    sentAt: "Sent at {time}",
    counter: "{n} of {max} characters",
    tooLong: "Your message is {n} characters long; the limit is {max}. Please shorten it or send it in two messages.",
    typing: "The assistant is typing",
    agentTyping: "{name} is typing…",
    rateGroup: "Rate this conversation from 1 to 5",
    rateOption: "{n} out of 5: {word}",
    rateWords: ["very unhappy", "unhappy", "neutral", "happy", "very happy"],
    rated: "Rated {n} out of 5",
    image: "Image",
    attach: "Send a photo",
    photo: "Your photo",
    photoOpen: "Open your photo in full size",
    photoSending: "Sending your photo…",
    photoType: "This file can't be sent: please choose a photo in JPEG, PNG or WebP format.",
    photoTooLarge: "This photo is too large ({size}); the limit is {max}. Please choose a smaller one.",
    photoFailed: "Your photo could not be sent. Please check your connection and try again.",
    photoUnavailable: "Photos can't be sent right now. Please try again in a moment.",
    newTab: "(opens in a new tab)",
    unreadOne: "1 new message",
    unread: "{n} new messages",
  },
  vi: {
    languageName: "Tiếng Việt",
    title: "Chăm sóc khách hàng",
    open: "Mở khung chat với bộ phận chăm sóc khách hàng",
    close: "Đóng khung chat",
    statusBot: "Trợ lý ảo",
    statusWaiting: "Đang chờ nhân viên",
    statusWaitingFor: "Đang chờ bộ phận {department}",
    expectedBy: "Dự kiến phản hồi trước {time}",
    expectedSoon: "Nhân viên sẽ trả lời bạn trong giây lát",
    today: "{time}",
    tomorrow: "{time} ngày mai",
    statusAgent: "Đang trò chuyện với {name}",
    statusOffline: "Đang kết nối lại…",
    connectionLost: "Mất kết nối. Đang kết nối lại…",
    connectionBack: "Đã kết nối lại.",
    language: "Ngôn ngữ",
    log: "Cuộc trò chuyện",
    welcome:
      "Xin chào! Bạn có thể hỏi về đơn hàng, giao hàng, thanh toán, đổi trả hoặc bảo hành, hoặc yêu cầu gặp nhân viên.",
    inputLabel: "Tin nhắn của bạn",
    placeholder: "Nhập tin nhắn…",
    send: "Gửi",
    you: "Bạn",
    assistant: "Trợ lý",
    agent: "{name} (nhân viên)",
    agentFallback: "Nhân viên",
    agentJoined: "{name} đã tham gia cuộc trò chuyện",
    agentLeft: "{name} đã rời cuộc trò chuyện",
    ended: "Cuộc trò chuyện đã kết thúc",
    endedBy: "{name} đã kết thúc cuộc trò chuyện",
    sentAt: "Gửi lúc {time}",
    counter: "{n}/{max} ký tự",
    tooLong: "Tin nhắn của bạn dài {n} ký tự, vượt giới hạn {max} ký tự. Bạn vui lòng rút gọn hoặc chia thành hai tin nhắn.",
    typing: "Trợ lý đang soạn tin",
    agentTyping: "{name} đang soạn tin…",
    rateGroup: "Đánh giá cuộc trò chuyện từ 1 đến 5",
    rateOption: "{n} trên 5: {word}",
    rateWords: ["rất không hài lòng", "không hài lòng", "bình thường", "hài lòng", "rất hài lòng"],
    rated: "Đã đánh giá {n} trên 5",
    image: "Hình ảnh",
    attach: "Gửi ảnh",
    photo: "Ảnh bạn đã gửi",
    photoOpen: "Xem ảnh bạn đã gửi ở kích thước đầy đủ",
    photoSending: "Đang gửi ảnh…",
    photoType: "Không gửi được tệp này: bạn vui lòng chọn ảnh định dạng JPEG, PNG hoặc WebP.",
    photoTooLarge: "Ảnh này quá lớn ({size}), giới hạn là {max}. Bạn vui lòng chọn ảnh nhỏ hơn.",
    photoFailed: "Chưa gửi được ảnh. Bạn kiểm tra kết nối mạng rồi thử lại nhé.",
    photoUnavailable: "Hiện chưa gửi được ảnh. Bạn vui lòng thử lại sau ít phút.",
    newTab: "(mở trong thẻ mới)",
    unreadOne: "1 tin nhắn mới",
    unread: "{n} tin nhắn mới",
  },
};

/** Picks en/vi from a language tag such as "vi-VN" or "en-GB"; null when it is neither. */
export function normaliseLanguage(tag) {
  const code = String(tag || "").trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.includes(code) ? code : null;
}

/** A translator for one language: t("statusAgent", {name: "An"}). */
export function translator(language) {
  const table = STRINGS[language] || STRINGS.en;
  return (key, params) => {
    const value = table[key];
    if (typeof value !== "string") return value;
    return value.replace(/\{(\w+)\}/g, (_, name) => (params && name in params ? params[name] : ""));
  };
}

export function languageName(language) {
  return (STRINGS[language] || STRINGS.en).languageName;
}

// -- times and numbers in the customer's language, on the shop's clock -------------------------
// Every time is shown in the shop's time zone (`timeZone`, an IANA name the chat server sends in
// session_confirm), so a promise in a message ("by 14:05 today") and the times around it read on
// one clock whatever the browser is set to; without one (a standard server), the browser's.

const DEFAULT_LOCALES = { vi: "vi-VN", en: "en-US" };

/** The browser's own variant of the widget's language (en-GB, en-US...), else the default. */
export function localeFor(language) {
  const preferred = (navigator.languages || [navigator.language]).find((tag) => normaliseLanguage(tag) === language);
  return preferred || DEFAULT_LOCALES[language] || DEFAULT_LOCALES.en;
}

/** `value` when browsers know it as a time zone ("Asia/Ho_Chi_Minh"), else undefined. */
export function knownTimeZone(value) {
  if (typeof value !== "string" || !value || value.length > 64) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return value;
  } catch (_) {
    return undefined;
  }
}

/** The calendar day of `ms` in the time zone, "2026-12-07": days are compared on its clock. */
function dayOf(ms, timeZone) {
  const parts = {};
  new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date(ms))
    .forEach((part) => (parts[part.type] = part.value));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** "2026-12-07" -> "2026-12-08", by the calendar (not 24 hours: days may last 23 or 25). */
function nextDay(day) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

/** "2:35 PM", "14:35": kept on one line (no break before PM). */
function clock(ms, locale, timeZone) {
  return new Intl.DateTimeFormat(locale, { timeZone, hour: "numeric", minute: "2-digit" }).format(new Date(ms)).replace(/\s/g, "\u00a0");
}

/** A message's time: the clock today, else the day and month too. */
export function messageTime(ms, language, timeZone, now = Date.now()) {
  const locale = localeFor(language);
  if (dayOf(ms, timeZone) === dayOf(now, timeZone)) return clock(ms, locale, timeZone);
  return new Intl.DateTimeFormat(locale, { timeZone, day: "numeric", month: "short", hour: "numeric", minute: "2-digit" }).format(new Date(ms));
}

/** A promised time, as a person would say it: "2:35 PM", "9:00 AM tomorrow", "Monday 9:00 AM". */
export function promisedTime(ms, language, timeZone, now = Date.now()) {
  const locale = localeFor(language);
  const t = translator(language);
  const day = dayOf(ms, timeZone);
  const today = dayOf(now, timeZone);
  if (day === today) return t("today", { time: clock(ms, locale, timeZone) });
  if (day === nextDay(today)) return t("tomorrow", { time: clock(ms, locale, timeZone) });
  return new Intl.DateTimeFormat(locale, { timeZone, weekday: "long", day: "numeric", month: "numeric", hour: "numeric", minute: "2-digit" }).format(new Date(ms));
}

export function formatNumber(n, language) {
  return new Intl.NumberFormat(localeFor(language)).format(n);
}
