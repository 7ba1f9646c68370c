// caredesk's website chat widget: one <script> tag with data attributes, nothing else needed
// on the host page (see README "Website chat widget").

import { readConfig } from "./config.js";
import { Widget } from "./widget.js";

function start() {
  if (window.CaredeskWidget) return; // embedded twice: keep the first
  const widget = new Widget(config);
  window.CaredeskWidget = {
    open: () => widget.open(),
    close: () => widget.close(),
    setLanguage: (language) => widget.setLanguage(language),
    // After the page changes window.caredeskCustomer (a sign-out without a reload).
    customerChanged: () => widget.followCustomer(),
  };
  widget.mount();
}

// document.currentScript is only set while this file first runs: read the tag now.
const config = readConfig();
if (document.body) start();
else document.addEventListener("DOMContentLoaded", start, { once: true });
