"""What both capabilities build on: config, database, errors, auth, logging, the ownership check
and state machines as tables. Imports neither capability."""
