"""Telegram: Rasa's connector, made fit for a public webhook and for hand-offs
(`channels.telegram.TelegramInput` in credentials.yml).

Kept from Rasa 3.6: the channel name "telegram", the path /webhooks/telegram/webhook, the
credential keys (access_token, verify, webhook_url) and the output channel's send methods.
Changed, and why:
- `get_output_channel()` in Rasa calls `asyncio.run(set_webhook)`, which raises inside the
  running server, so external events (agent replies during a hand-off, sent with
  `trigger_intent?output_channel=latest`) never reached Telegram. Here it returns one reusable
  output channel, and the webhook is registered once at start-up (a failure is logged).
- The Bot API base URL is configurable (`api_url`), so tests run against a local fake.
- Updates are authenticated with Telegram's `X-Telegram-Bot-Api-Secret-Token` when
  `secret_token` is set (production settings refuse to start without it), and parsed strictly:
  a malformed body gets 400 and reaches nobody.
- A checked update is answered 200 at once and its turn runs in the background, in order per
  chat (`channels.background`); a redelivered update_id is handled once across replicas
  (`channels.redelivery`) and a chat over the rate limit is told once, politely
  (`channels.limits`).
- The conversation id is `telegram:<chat id>` (`channels.senders`).
- The bot's identity (`verify`) is checked with one getMe, not one per update.
- Texts over 4096 characters are split; keyboards wrap; callback queries are answered.

The modules: `client` (the Bot API besides sending: where it is, the secret token, getMe,
setWebhook, answerCallbackQuery), `parse` (an Update to the customer's text), `render` (bot
messages within Telegram's limits) and `channel` (Rasa's input and output channel, the webhook).
"""

from channels.telegram.channel import TelegramInput, TelegramOutput
from channels.telegram.client import SECRET_TOKEN_PATTERN, TELEGRAM_API_URL
from channels.telegram.parse import InboundText, MalformedUpdate, parse_update
from channels.telegram.render import keyboard

__all__ = [
    "SECRET_TOKEN_PATTERN",
    "TELEGRAM_API_URL",
    "InboundText",
    "MalformedUpdate",
    "TelegramInput",
    "TelegramOutput",
    "keyboard",
    "parse_update",
]
