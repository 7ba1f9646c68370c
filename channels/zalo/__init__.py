"""Zalo Official Account as a Rasa channel (`channels.zalo.ZaloInput` in credentials.yml).

The webhook (POST /webhooks/zalo/webhook) checks every request with the webhook guard
(channels.webhook_guard: size, Zalo's signature from channels.zalo.parse, redeliveries handled
once across replicas, a user over the rate limit told once, politely), reads the event
(channels.zalo.parse), answers 200 at once (Zalo wants an answer within 2 s and re-sends
otherwise) and hands the event to Rasa in the background, in order per user
(channels.background). The conversation id is `zalo:<user id>` (channels.senders). Replies, and
messages pushed outside the user's turn (agent replies during a hand-off, through
`output_channel=latest`), go out through the OA API (channels.zalo.client) from a worker thread.
See docs/zalo.md.

The modules: `client` (the OA API: the webhook signature and the message client), `parse` (Zalo's
proof of origin for the webhook guard, and a request to a typed event), `render` (bot messages as
Zalo messages) and `channel` (Rasa's input and output channel, the webhook).
"""

from channels.zalo.channel import ZaloInput, ZaloOutput

__all__ = ["ZaloInput", "ZaloOutput"]
