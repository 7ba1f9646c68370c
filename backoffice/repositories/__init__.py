"""Data access (queries and row locks) kept apart from the rules in `backoffice.services`."""
