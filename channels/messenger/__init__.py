"""Facebook Messenger: Rasa's connector, made fit for a public webhook and for hand-offs
(`channels.messenger.MessengerInput` in credentials.yml).

Kept from Rasa 3.6: the channel name "facebook", the path /webhooks/facebook/webhook, the
credential keys (verify, secret, page-access-token) and the message formats.
Changed, and why:
- The Graph API base URL is configurable (`graph_api_url`), so tests run against a fake.
- Signatures: `X-Hub-Signature-256` (sha256, what Meta sends today) or `X-Hub-Signature`
  (sha1), compared in constant time; Rasa answered a bad signature with 200 "not validated"
  and took the hash function from the header. Here a bad one gets 403.
- A malformed body gets 400 and reaches nobody (Rasa raised a 500 on a missing key); every
  event of a batch is handled (Rasa stopped after the first).
- Graph API calls run in a worker thread with a timeout (fbmessenger uses blocking `requests`,
  which stalled Rasa's event loop) and a refusal from Graph is raised, not ignored.
- More than 3 buttons become quick replies (up to 13); Rasa sent the text without any buttons.
  Texts over 2000 characters are split; titles are cut to Messenger's 20 characters.
- `get_output_channel()` (which Rasa has) sends with messaging_type UPDATE: external events
  (agent replies during a hand-off) are not responses to a customer message.
- A checked notification is answered 200 at once and its messages are handled in the
  background, in order per customer (`channels.background`); a redelivered message mid is
  handled once across replicas (`channels.redelivery`) and a customer over the rate limit is
  told once, politely (`channels.limits`). Rasa handled the turn before answering, so Meta
  re-sent slow ones and they were answered twice.
- The conversation id is `facebook:<page-scoped id>` (`channels.senders`).

The modules: `client` (the Graph API: its client, the Send API call, Meta's signature), `parse`
(a webhook notification to the customers' texts), `render` (bot messages within Messenger's
limits) and `channel` (Rasa's input and output channel, the webhook).
"""

from channels.messenger.channel import MessengerInput, MessengerOutput
from channels.messenger.client import GRAPH_API_URL, GraphApiError, graph_client, valid_signature
from channels.messenger.parse import InboundText, MalformedEvent, parse_notification
from channels.messenger.render import quick_replies

__all__ = [
    "GRAPH_API_URL",
    "GraphApiError",
    "InboundText",
    "MalformedEvent",
    "MessengerInput",
    "MessengerOutput",
    "graph_client",
    "parse_notification",
    "quick_replies",
    "valid_signature",
]
