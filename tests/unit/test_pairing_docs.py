"""Every pairing route is in the OpenAPI file and every error code in docs/protocol.md."""

from __future__ import annotations

import json

from advocacy.edge.pairing_views import routes
from advocacy.edge.site_views import OPENAPI_PATH
from advocacy.errors import CATALOGUE
from advocacy.settings import PROJECT_ROOT


def test_every_pairing_api_route_is_documented():
    paths = json.loads(OPENAPI_PATH.read_text())["paths"]
    api = [(r.method.lower(), r.path) for r in routes if r.path.startswith("/api/")]
    assert api, "no API routes found"
    missing = [f"{method.upper()} {path}" for method, path in api if method not in paths.get(path, {})]
    assert missing == []


def test_every_error_code_is_in_the_protocol():
    protocol = (PROJECT_ROOT / "docs" / "protocol.md").read_text()
    assert [code for code in CATALOGUE if f"| `{code}` |" not in protocol] == []
