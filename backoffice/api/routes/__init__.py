"""Routes of no capability (health); `backoffice.api.main` decides which are public."""
