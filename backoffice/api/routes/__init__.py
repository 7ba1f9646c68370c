"""One module per resource; `backoffice.api.main` decides which are public and which need a key."""
