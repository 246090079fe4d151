"""The local stack's app secrets: generated once into ``.data/secrets.json`` (mode 0600), never printed."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

GENERATED = ("JWT_SECRET", "INTER_SERVICE_TOKEN")


def load_or_create(data_dir: Path) -> dict[str, str]:
    """The stored secrets, creating any that are missing (a second run reuses them)."""
    path = data_dir / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in GENERATED if not stored.get(name)]
    if missing:
        for name in missing:
            stored[name] = secrets.token_urlsafe(48)
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as sink:
            json.dump(stored, sink)
    return stored
