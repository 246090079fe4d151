"""Request and response bodies of the trade API, per area (they are its OpenAPI schemas too)."""
