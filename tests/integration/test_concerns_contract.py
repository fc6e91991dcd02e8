"""The documents are the contract: every concerns, safeguarding and oversight route is in the OpenAPI
file, real answers match the schemas written there, and every error code is in docs/protocol.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from advocacy.edge import advocacy_views as advocacy_views
from advocacy.edge import complaint_views as complaint_views
from advocacy.edge import concern_views as concern_views
from advocacy.edge import console_views as console_views
from advocacy.edge import correction_views as correction_views
from advocacy.edge import interpreting_views as interpreting_views
from advocacy.edge import oversight_views as oversight_views
from advocacy.edge import safeguarding_views as safeguarding_views
from advocacy.edge import staff_views as staff_views
from advocacy.edge.site_views import OPENAPI_PATH
from advocacy.errors import CATALOGUE
from tests.integration.concerns_support import add_reviewer
from tests.support import sign_in

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = json.loads(OPENAPI_PATH.read_text())
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
OWN_CODES = [
    "child_not_found", "concern_not_found", "category_unknown", "severity_unknown", "words_empty", "words_too_long",
    "reason_required", "status_unknown", "move_not_allowed", "already_in_status", "decision_required",
    "decision_unknown", "already_escalated", "item_not_found", "item_claimed", "claim_first", "no_update_requested",
    "complaint_not_found", "reply_invalid", "reply_not_found", "cover_invalid", "already_covered",
    "correction_not_found", "feedback_not_found", "right_unknown", "child_instructed", "already_instructed",
    "moment_not_found", "moment_not_yet", "interpreter_already", "interpreter_over",
]


def api_routes() -> list[tuple[str, str]]:
    found = []
    for module in (concern_views, safeguarding_views, oversight_views, complaint_views, staff_views, console_views,
                   correction_views, advocacy_views, interpreting_views):
        for route in module.routes:
            if route.path.startswith("/api/"):
                found.append((route.method.lower(), route.path))
    return found


@pytest.mark.parametrize(("method", "path"), api_routes())
def test_every_route_is_in_the_openapi_file(method: str, path: str) -> None:
    assert method in OPENAPI["paths"].get(path, {}), f"{method.upper()} {path} is not documented in {OPENAPI_PATH.name}"


@pytest.mark.parametrize("code", OWN_CODES)
def test_every_error_code_is_in_the_catalogue_and_documented(code: str) -> None:
    assert code in CATALOGUE
    assert re.search(rf"^\| `{code}` \|", PROTOCOL, re.MULTILINE), (
        f"{code} is not in the error table of docs/protocol.md")


def check(method: str, path: str, status: int, body: dict) -> None:
    """Validate an answer against the schema documented for it (refs resolve inside the OpenAPI file)."""
    documented = OPENAPI["paths"][path][method]["responses"][str(status)]
    schema = {**documented["content"]["application/json"]["schema"], "components": OPENAPI["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


async def test_real_answers_match_the_documented_schemas(world, apis):
    server, amira = world.server, world.children[0]
    advocate, child = await apis(server, world.advocates[0]), await apis(server, amira)

    status, body = await advocate.post("/api/concerns", {"child": amira.id, "category": "contact", "severity": "high",
                                                          "child_words": "words", "child_wants": "wants"})
    check("post", "/api/concerns", status, body)
    cid = body["concern"]["id"]
    status, body = await child.post("/api/concerns",
                                    {"child": amira.id, "category": "money", "child_words": "my money"})
    check("post", "/api/concerns", status, body)
    for api in (advocate, child):
        check("get", "/api/concerns", *(await api.get("/api/concerns")))
        check("get", "/api/concerns/{concern}", *(await api.get(f"/api/concerns/{cid}")))
    check("get", "/api/concerns/categories", *(await child.get("/api/concerns/categories")))
    check("post", "/api/concerns/{concern}/actions", *(await advocate.post(
        f"/api/concerns/{cid}/actions", {"kind": "raised_with", "with": "complaint", "stage": 2, "note": "n"})))
    check("post", "/api/concerns/{concern}/status",
          *(await advocate.post(f"/api/concerns/{cid}/status", {"status": "awaiting_response"})))
    check("post", "/api/concerns/{concern}/escalate", *(await advocate.post(
        f"/api/concerns/{cid}/escalate", {"level": "oversight", "reason": "late", "priority": "urgent"})))
    status, body = await advocate.post(f"/api/concerns/{cid}/escalate", {"level": "oversight", "reason": "again"})
    check("post", "/api/concerns/{concern}/escalate", status, body)
    assert status == 409

    reviewer = await apis(server, await add_reviewer(world))
    status, listing = await reviewer.get("/api/oversight/items")
    check("get", "/api/oversight/items", status, listing)
    item = listing["items"][0]["id"]
    check("get", "/api/oversight/items/{item}", *(await reviewer.get(f"/api/oversight/items/{item}")))
    for action, payload in [("claim", None), ("notes", {"text": "n"}), ("update-requests", {"from": "la", "text": "q"}),
                            ("updates", {"text": "a"}), ("representations", {"to": "la", "text": "r"}),
                            ("release", None), ("claim", None), ("close", {"decision": "referred"})]:
        status, body = await reviewer.post(f"/api/oversight/items/{item}/{action}", payload)
        check("post", f"/api/oversight/items/{{item}}/{action}", status, body)
        assert status == 200, (action, body)
    check("post", "/api/concerns/{concern}/resolve",
          *(await advocate.post(f"/api/concerns/{cid}/resolve", {"outcome": "o", "child_happy": None})))
    check("post", "/api/concerns/{concern}/close", *(await advocate.post(f"/api/concerns/{cid}/close", {})))

    status, body = await advocate.post(f"/api/children/{amira.id}/disclosures",
                                       {"with": "other", "with_detail": "GP", "what": "w", "why": "y",
                                        "child_told": True})
    check("post", "/api/children/{child}/disclosures", status, body)
    check("get", "/api/children/{child}/disclosures", *(await advocate.get(f"/api/children/{amira.id}/disclosures")))
    check("get", "/api/children/{child}/flags", *(await advocate.get(f"/api/children/{amira.id}/flags")))
    check("get", "/api/concerns/{concern}", *(await reviewer.get(f"/api/concerns/{cid}")))  # 403, documented


async def test_hostile_and_malformed_requests_as_the_people_who_may_use_the_routes(world, apis, tmp_path):
    """Schemathesis as the child's advocate and as a reviewer, on real records: never a server error,
    never an answer outside the documented schemas."""
    from tests.integration.test_schemathesis import run_schemathesis

    server, amira = world.server, world.children[0]
    advocate = await apis(server, world.advocates[0])
    cid = (await advocate.raise_concern(amira))["id"]
    await advocate.post(f"/api/concerns/{cid}/escalate", {"level": "oversight", "reason": "Late."})
    item = (await server.store.oversight.find_one({"concern": cid}))["_id"]
    reviewer = await add_reviewer(world)
    (tmp_path / "schemathesis.toml").write_text(
        f'[parameters]\n"path.child" = "{amira.id}"\n"path.concern" = "{cid}"\n"path.item" = "{item}"\n')
    for person in (world.advocates[0], reviewer):
        token = await sign_in(server, person)
        code, out = await run_schemathesis(server.url, token, tmp_path, "--include-path-regex",
                                           "^/api/(concerns|oversight|children/\\{child\\}/(disclosures|flags))")
        assert code == 0, out


async def test_complaint_answers_match_the_documented_schemas(world, apis):
    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    reviewer = await apis(server, await add_reviewer(world))
    child, advocate, manager = await apis(server, amira), await apis(server, ada), await apis(server, mo)
    status, body = await child.post("/api/complaints", {"about": "advocate", "words": "She shouts.", "wants": ""})
    check("post", "/api/complaints", status, body)
    complaint = body["complaint"]["id"]
    status, body = await advocate.post("/api/complaints", {"child": amira.id, "about": "service", "words": "Late."})
    check("post", "/api/complaints", status, body)
    check("get", "/api/complaints", *await manager.get("/api/complaints"))
    check("get", "/api/complaints/{complaint}", *await advocate.get(f"/api/complaints/{complaint}"))
    check("post", "/api/complaints/{complaint}/acknowledge",
          *await manager.post(f"/api/complaints/{complaint}/acknowledge"))
    check("post", "/api/complaints/{complaint}/answer",
          *await manager.post(f"/api/complaints/{complaint}/answer", {"outcome": "not_upheld", "answer": "We looked."}))
    status, body = await child.post(f"/api/complaints/{complaint}/escalate")
    check("post", "/api/complaints/{complaint}/escalate", status, body)
    check("post", "/api/complaints/{complaint}/escalate", *await child.post(f"/api/complaints/{complaint}/escalate"))
    check("get", "/api/complaints/{complaint}", *await child.get(f"/api/complaints/{complaint}"))
    check("get", "/api/oversight/items", *await reviewer.get("/api/oversight/items"))
    check("get", "/api/oversight/items/{item}",
          *await reviewer.get(f"/api/oversight/items/{body['complaint']['escalated']['item']}"))


async def test_correction_and_feedback_answers_match_the_documented_schemas(world, apis):
    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    child, advocate, manager = await apis(server, amira), await apis(server, ada), await apis(server, mo)
    cid = (await advocate.raise_concern(amira))["id"]
    status, body = await child.post("/api/corrections", {"kind": "worry_words", "concern": cid, "should_say": "New."})
    check("post", "/api/corrections", status, body)
    correction = body["correction"]["id"]
    check("post", "/api/corrections", *await child.post("/api/corrections", {"kind": "name"}))
    check("get", "/api/corrections", *await manager.get("/api/corrections"))
    check("get", "/api/corrections/{correction}", *await manager.get(f"/api/corrections/{correction}"))
    check("get", "/api/corrections/{correction}", *await advocate.get(f"/api/corrections/{correction}"))
    check("post", "/api/corrections/{correction}/decide",
          *await manager.post(f"/api/corrections/{correction}/decide", {"decision": "accept"}))
    check("post", "/api/corrections/{correction}/decide",
          *await manager.post(f"/api/corrections/{correction}/decide", {"decision": "accept"}))
    check("get", "/api/corrections", *await child.get("/api/corrections"))

    assert (await advocate.post(f"/api/concerns/{cid}/resolve", {"outcome": "Sorted."}))[0] == 200
    status, body = await child.get("/api/feedback")
    check("get", "/api/feedback", status, body)
    ask = body["feedback"][0]["id"]
    check("get", "/api/feedback", *await advocate.get("/api/feedback"))
    check("post", "/api/feedback/{feedback}/answer", *await child.post(f"/api/feedback/{ask}/answer", {"x": 1}))
    check("post", "/api/feedback/{feedback}/answer",
          *await child.post(f"/api/feedback/{ask}/answer", {"listened": "a_bit"}))
    check("post", "/api/feedback/{feedback}/decline", *await child.post(f"/api/feedback/{ask}/decline"))
    check("post", "/api/feedback/{feedback}/decline", *await child.post("/api/feedback/fb_none/decline"))
