"""The auth API's routers, one per area; ``auth.app`` includes them and the core API's OpenAPI
document (``trade.routes.openapi``) is built from them."""

from auth.routes import admin_users, password, session

ROUTERS = (session.router, password.router, admin_users.router)
