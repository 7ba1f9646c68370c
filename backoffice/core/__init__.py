"""Cross-cutting plumbing shared by every back-office router: config, database, auth, logging."""
