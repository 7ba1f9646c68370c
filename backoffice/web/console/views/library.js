/*
 * The saved replies' library, for admins: every department's replies in both languages, to
 * add, change and delete (agents only read and insert them: views/tools.js).
 */
import { DEPARTMENTS, state } from "../state.js";
import { t } from "../i18n.js";
import { $, announce, busy, clear, el, hideBanner, show, showBanner } from "../dom.js";
import { deptName } from "../format.js";
import { api, errorText } from "../api.js";

export function fillLibrarySelects() {
  ["library-dept", "library-form-dept"].forEach(function (id) {
    var select = $(id);
    var previous = select.value;
    clear(select);
    if (id === "library-dept") {
      select.appendChild(el("option", { text: t("tickets.anyDepartment"), attrs: { value: "" } }));
    }
    DEPARTMENTS.forEach(function (key) {
      select.appendChild(el("option", { text: deptName(key), attrs: { value: key } }));
    });
    if (previous) { select.value = previous; }
  });
}

export function loadLibrary(event) {
  if (event) { event.preventDefault(); }
  if (!state.agent || !state.agent.is_admin) { return Promise.resolve(); }
  var params = new URLSearchParams();
  if ($("library-dept").value) { params.set("department", $("library-dept").value); }
  if ($("library-lang").value) { params.set("language", $("library-lang").value); }
  var q = $("library-q").value.trim();
  if (q) { params.set("q", q); }
  return api("GET", "/canned-replies?" + params.toString()).then(function (data) {
    state.library = data.replies;
    renderLibrary();
  }).catch(function (error) {
    if (error.status !== 401) { showBanner(errorText(error)); }
  });
}

export function renderLibrary() {
  var list = $("library-list");
  clear(list);
  var replies = state.library || [];
  $("library-count").textContent = replies.length ? t("library.count", { n: replies.length }) : t("library.none");
  replies.forEach(function (reply) {
    var edit = el("button", { className: "btn btn-small", i18n: "library.edit", attrs: { type: "button" } });
    edit.addEventListener("click", function () { editReply(reply); });
    var remove = el("button", { className: "btn btn-small btn-danger", i18n: "library.delete", attrs: { type: "button" } });
    remove.addEventListener("click", function () { deleteReply(reply, remove); });
    list.appendChild(el("li", { className: "library-item card", data: { id: reply.id } }, [
      el("div", { className: "library-head" }, [
        el("span", { className: "library-title", text: reply.title }),
        el("span", { className: "dept-tag", text: deptName(reply.department) }),
        el("span", { className: "lang-tag", text: reply.language.toUpperCase() }),
        el("span", { className: "library-actions" }, [edit, remove])
      ]),
      el("p", { className: "library-text", text: reply.text })
    ]));
  });
}

function editReply(reply) {
  $("library-id").value = String(reply.id);
  $("library-form-dept").value = reply.department;
  $("library-form-lang").value = reply.language;
  $("library-reply-title").value = reply.title;
  $("library-text").value = reply.text;
  $("library-form-title").textContent = t("library.editTitle");
  show($("library-cancel"), true);
  $("library-reply-title").focus();
}

export function resetLibraryForm() {
  $("library-id").value = "";
  $("library-reply-title").value = "";
  $("library-text").value = "";
  $("library-form-title").textContent = t("library.addTitle");
  show($("library-cancel"), false);
  show($("library-error"), false);
}

export function saveReply(event) {
  event.preventDefault();
  var id = $("library-id").value;
  var body = {
    department: $("library-form-dept").value,
    language: $("library-form-lang").value,
    title: $("library-reply-title").value.trim(),
    text: $("library-text").value.trim()
  };
  var error = $("library-error");
  if (!body.title || !body.text) {
    error.textContent = t("library.missing");
    show(error, true);
    return;
  }
  show(error, false);
  hideBanner();
  busy($("library-save"), true);
  api(id ? "PUT" : "POST", "/canned-replies" + (id ? "/" + encodeURIComponent(id) : ""), body)
    .then(function () {
      announce(t(id ? "library.saved" : "library.added"));
      resetLibraryForm();
      return loadLibrary();
    })
    .catch(function (failure) {
      if (failure.status === 401) { return; }
      error.textContent = errorText(failure);
      show(error, true);
    })
    .then(function () { busy($("library-save"), false); });
}

/* Two clicks: the first asks (the button says so), the second deletes. */
function deleteReply(reply, button) {
  if (button.dataset.confirm !== "1") {
    button.dataset.confirm = "1";
    button.textContent = t("library.confirmDelete");
    button.removeAttribute("data-i18n");
    return;
  }
  busy(button, true);
  api("DELETE", "/canned-replies/" + encodeURIComponent(String(reply.id))).then(function () {
    announce(t("library.deleted"));
    if ($("library-id").value === String(reply.id)) { resetLibraryForm(); }
    return loadLibrary();
  }).catch(function (error) {
    if (error.status !== 401) { showBanner(errorText(error)); }
    busy(button, false);
  });
}
