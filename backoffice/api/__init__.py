"""The HTTP surface as a whole: which routers exist, and what routers of both capabilities share
(sessions, the ownership check, the error envelope)."""
