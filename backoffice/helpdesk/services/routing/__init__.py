"""Routing: which department a request for a person goes to, and why.

One job per module: departments.py reads the departments file (backoffice/config/
departments.yml: names, hours, phrases); lexicon.py holds the word lists; text.py reads
Vietnamese as customers type it; matcher.py finds the phrases in a request; model.py is the
classifier learned from examples; quantity.py reads a bulk order's number; router.py weighs all
of it into a decision with its reason.
"""
