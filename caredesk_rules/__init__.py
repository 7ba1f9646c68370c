"""The rules every caredesk process shares, one definition each (issue 11).

The Rasa server (components/, channels/), the action server (actions/) and the back office
(backoffice/) each import what they need from here instead of keeping a copy, so an order id,
a phone number or a hand-off state means the same thing in all three. Pure Python standard
library, importable on Python 3.10 (Rasa's range) and 3.12 (the back office's); nothing here
imports from the processes.

- `ids`: order ids (ORD-…) and ticket ids (TCK-…).
- `contacts`: phone numbers and email addresses, to check, to find in a message, to redact.
- `vietnamese`: folding (diacritics off, đ→d) and chat abbreviations (teen-code).
- `text`: splitting a long answer into messages a platform accepts.
- `handoff_states`: the names of a conversation's hand-off states.
- `departments`: the department keys.
- `accounts`: the seeded console accounts and the password rule.
- `formatting`: money, phones, dates, times, opening hours and addresses as customers read them.
- `provinces`: the 34 provinces since the 2025 merger and where each of the 63 former ones went.
- `addresses`: a delivery address as typed (old three-level form too) read in the two-level form.
- `business_hours`: the departments file's opening hours, parsed.
- `knowledge`: the FAQ answers of knowledge/store.yml worded (the assistant and the console's
  knowledge-base search).
- `attachments`: customers' photos: accepted types and sizes, recognised by their bytes, and
  the widget's upload tokens.
- `signed_tokens`: signed, expiring tokens naming one value (a shop's customer, a conversation).

The outward forms are promised in docs/contract.md.
"""
