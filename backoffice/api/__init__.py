"""HTTP layer: routers translate between HTTP and the services, nothing more."""
