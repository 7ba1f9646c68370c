"""Sizes every chat channel accepts from a customer, in one place (the console allows the same)."""

MAX_MESSAGE_CHARS = 2000  # one customer message
MAX_SENDER_CHARS = 128  # a conversation id given by a client
