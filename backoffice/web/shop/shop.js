// The demo shop's own script: a pretend sign-in, to show the chat widget passing the shop's
// logged-in customer id to the bot (the widget reads window.caredeskCustomer when it sends).
(function () {
  "use strict";
  var KEY = "maystore.demo.customer";
  var button = document.getElementById("account-toggle");
  var status = document.getElementById("account-status");
  var demoCustomer = button.getAttribute("data-demo-customer");

  function stored() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (_) {
      return null;
    }
  }

  function show(customer) {
    window.caredeskCustomer = customer ? { id: customer } : null;
    status.textContent = customer ? "Đã đăng nhập · Signed in as " + customer : "Khách · Guest";
    button.textContent = customer ? "Đăng xuất · Sign out" : "Đăng nhập (demo) · Sign in";
    button.setAttribute("aria-pressed", customer ? "true" : "false");
  }

  button.addEventListener("click", function () {
    var next = current ? null : demoCustomer;
    try {
      if (next) window.localStorage.setItem(KEY, next);
      else window.localStorage.removeItem(KEY);
    } catch (_) {
      /* the demo sign-in then lasts until the page is left */
    }
    current = next;
    show(next);
  });

  var current = stored();
  show(current);
})();
