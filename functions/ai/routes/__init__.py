"""The AI API's routers, one per area; ``ai.app`` includes them."""

from ai.routes import analyze, health

ROUTERS = (analyze.router, health.router)
