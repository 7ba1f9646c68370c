"""Reference back office for caredesk: the order system (and later the helpdesk) behind the bot.

It exists so the assistant can be developed and tested against a realistic retailer backend
without any external system; a real shop replaces it by its own API with the same contract.
"""

__version__ = "0.1.0"
