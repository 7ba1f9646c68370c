/*
 * Changing one's own password (every other session of the account is signed out).
 */
import { state } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, busy, hideBanner, show, showBanner } from "../dom.js";
import { api, errorText } from "../api.js";
import { showView } from "./nav.js";

var PASSWORD_FIELDS = ["current-password", "new-password", "repeat-password"];

export function resetPasswordForm() {
  PASSWORD_FIELDS.forEach(function (id) { $(id).value = ""; });
  show($("password-error"), false);
}

export function openPasswordView() {
  resetPasswordForm();
  hideBanner();
  showView("password", false);
  $("current-password").focus();
}

export function closePasswordView() {
  showView(state.lastWorkView, true);
}

function passwordError(message, fieldId) {
  $("password-error").textContent = message;
  show($("password-error"), true);
  if (fieldId) { $(fieldId).focus(); }
}

export function changePassword(event) {
  event.preventDefault();
  var current = $("current-password").value;
  var fresh = $("new-password").value;
  if (!current || !fresh || !$("repeat-password").value) {
    passwordError(t("password.missing"), PASSWORD_FIELDS.filter(function (id) { return !$(id).value; })[0]);
    return;
  }
  if (fresh !== $("repeat-password").value) {
    passwordError(t("password.mismatch"), "repeat-password");
    return;
  }
  var submit = $("password-submit");
  busy(submit, true);
  submit.textContent = t("password.saving");
  show($("password-error"), false);
  api("POST", "/password", { current_password: current, new_password: fresh }).then(function () {
    closePasswordView();
    showBanner(t("password.changed"));
    announce(t("password.changed"));
  }).catch(function (error) {
    if (error.status === 401) { return; }  // the session itself ended: back to sign-in
    var code = (error && error.code) || "";
    var field = code === "wrong_password" ? "current-password"
      : (code.indexOf("password_") === 0 ? "new-password" : null);
    passwordError(errorText(error), field);
  }).then(function () {
    busy(submit, false);
    submit.textContent = t("password.submit");
  });
}
