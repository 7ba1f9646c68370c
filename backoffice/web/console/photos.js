/*
 * Customers' photos: fetched from /api/v1/attachments/<id> with the agent's bearer token (an
 * <img src> could not send it) and shown from a blob: URL, kept per page so that re-rendering
 * the transcript fetches nothing again. A thumbnail opens the photo in full size.
 */
import { state } from "./state.js";
import { t } from "./i18n.js";
import { el } from "./dom.js";

var ATTACHMENTS = "/api/v1/attachments/";
export var PHOTO_TEXT = "\uD83D\uDCF7";  // 📷, caredesk_rules.attachments.PHOTO_TEXT
var ATTACHMENT_ID = /^att_[0-9a-f]{32}$/;
var urls = {};  // attachment id -> promise of its blob: URL (null when it could not be had)

function photoUrl(id) {
  if (!urls[id]) {
    var headers = state.token ? { Authorization: "Bearer " + state.token } : {};
    urls[id] = fetch(ATTACHMENTS + id, { headers: headers, credentials: "omit" })
      .then(function (response) { return response.ok ? response.blob() : null; })
      .then(function (blob) { return blob ? URL.createObjectURL(blob) : null; })
      .catch(function () { return null; });
    urls[id].then(function (url) { if (!url) { delete urls[id]; } });  // try again next render
  }
  return urls[id];
}

/* A thumbnail that opens the full photo; "photo unavailable" when it cannot be fetched. */
export function photoEl(attachment, className) {
  if (!attachment || !ATTACHMENT_ID.test(attachment.id)) { return null; }
  var image = el("img", { className: "photo-thumb", attrs: { alt: t("photo.alt") } });
  var link = el("a", {
    className: "photo-link " + (className || ""),
    attrs: { target: "_blank", rel: "noopener", title: t("photo.open") },
    data: { attachment: attachment.id }
  }, [image]);
  photoUrl(attachment.id).then(function (url) {
    if (url) {
      image.src = url;
      link.href = url;
    } else {
      link.replaceWith(el("span", { className: "muted small", text: t("photo.unavailable") }));
    }
  });
  return link;
}
