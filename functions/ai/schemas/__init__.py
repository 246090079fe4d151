"""Request and response bodies of the AI API, per area (they are its OpenAPI schemas too)."""
