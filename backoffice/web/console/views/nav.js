/*
 * Switching between the live chats, the tickets and the password form.
 */
import { state } from "../state.js";
import { $, show } from "../dom.js";
import { resetPasswordForm } from "./password.js";
import { searchTickets } from "./tickets.js";
import { loadLibrary } from "./library.js";

var VIEW_HEADINGS = {
  chats: "queues-title", tickets: "tickets-title", library: "library-title", password: "password-title"
};

export function showView(view, focus) {
  if (state.view === "password" && view !== "password") { resetPasswordForm(); }
  if (view !== "password") { state.lastWorkView = view; }
  state.view = view;
  show($("chats-view"), view === "chats");
  show($("tickets-view"), view === "tickets");
  show($("password-view"), view === "password");
  show($("library-view"), view === "library");
  document.querySelectorAll("#nav .tab").forEach(function (tab) {
    if (tab.dataset.view === view) { tab.setAttribute("aria-current", "page"); }
    else { tab.removeAttribute("aria-current"); }
  });
  if (view === "tickets" && state.tickets.length === 0) { searchTickets(); }
  if (view === "library" && !state.library) { loadLibrary(); }
  if (focus) {
    var heading = $(VIEW_HEADINGS[view]);
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}
