"""Writes the OpenAPI documents of the core API and the AI API to ``dashboard/src/api/openapi/``.

``npm run gen:api`` turns them into TypeScript types, so a renamed field breaks ``tsc``. The
documents are built from the routes themselves (no server): the core one exactly as
``GET /api/openapi.json`` serves it, the AI one as ``GET /ai/openapi.json`` does.
Run from the repository root with ``PYTHONPATH=functions:layers/tradecore:.`` (``make api-types``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "src" / "api" / "openapi"


def documents() -> dict[str, dict[str, Any]]:
    """The core API's document and the AI API's, by file stem."""
    from ai.app import app as ai_app
    from trade.routes.openapi import core_document

    return {"trade": core_document(), "ai": ai_app.openapi()}


def main(out: Path = OUT) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for name, document in documents().items():
        (out / f"{name}.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
