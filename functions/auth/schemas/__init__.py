"""Request and response bodies of the auth API, per area (they are its OpenAPI schemas too).

Length bounds here only stop absurd payloads early; the password policy (10-128 characters) and
email normalisation are the domain's (``tradecore.domain.users``), so every entry point shares them.
Validation messages never echo the submitted values.
"""

MAX_INPUT = 1024
