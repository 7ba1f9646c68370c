// Typing signals during a live chat (channels/typing.py, caredesk_rules/typing.py): what the
// customer's keystrokes tell the agent, throttled here before the server throttles again.
// Never the text: only "typing" (true) or "stopped" (false).

export const TYPING_EVERY_MS = 2500; // at most one "typing" this often while keys are pressed
export const STOPPED_AFTER_MS = 5000; // "stopped" after this long without a keystroke
export const AGENT_TYPING_SHOWN_MS = 8000; // the agent's "is typing…" without news goes away

/** Sends `send(true)` at most every TYPING_EVERY_MS while `keystroke()` is called, and
 * `send(false)` once after STOPPED_AFTER_MS without one, or at `stop()`. */
export class TypingSignal {
  constructor(send) {
    this.send = send;
    this.sentAt = 0; // when the last "typing" left; 0: not typing as far as the server knows
    this.idleTimer = null;
  }

  keystroke() {
    const now = Date.now();
    if (!this.sentAt || now - this.sentAt >= TYPING_EVERY_MS) {
      this.sentAt = now;
      this.send(true);
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), STOPPED_AFTER_MS);
  }

  stop() {
    clearTimeout(this.idleTimer);
    if (!this.sentAt) return;
    this.sentAt = 0;
    this.send(false);
  }
}
