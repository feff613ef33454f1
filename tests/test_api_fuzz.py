"""Schemathesis over the whole API (part of `make test`, so on SQLite and on PostgreSQL).

Every operation of the OpenAPI schema (GET and POST, plus PUT/PATCH where offered) is
called in-process through the WSGI handler, signed in with a token as the 工委 admin, on a
small world with rows in every list. Examples are generated from the schema — valid ones and
deliberately invalid ones — with a fixed seed and a small budget per operation. A case fails
on a 5xx, an undocumented status code, a wrong content type or a body that violates the
documented schema. Each operation is its own pytest item, so xdist spreads them.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

MAX_EXAMPLES = 12
SEED = 20240701
# Fuzzed here: reads and creates, and the edits of rows the world holds.
METHODS = ("GET", "POST", "PUT", "PATCH")

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": False},
            "positive_data_acceptance": {"enabled": False},
            "negative_data_rejection": {"enabled": False},
            "use_after_free": {"enabled": False},
            "ensure_resource_availability": {"enabled": False},
            "ignored_auth": {"enabled": False},
            "missing_required_header": {"enabled": False},
            "unsupported_method": {"enabled": False},
        },
    }
)


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(raw, config=CONFIG)
    loaded.app = WSGIHandler()
    return loaded.include(method=list(METHODS))


schema = _schema()


@pytest.fixture
def in_process(db):
    """Keep the test's transaction open across requests, as Django's test client does
    (a real request would close the connection at its start and end)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(world, in_process):
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=world.admin).key


def aim_at_the_world(case, rows: dict[str, int]) -> None:
    """A generated id rarely names a row: every even one is swapped for the world's row of
    that resource, so detail reads, edits and actions (submit, release, add-targets …) get
    fuzzed bodies against real rows too; odd ones stay as generated (missing, hostile)."""
    resource = case.operation.path.split("/")[2]
    generated = (case.path_parameters or {}).get("id")
    if resource in rows and isinstance(generated, int) and generated % 2 == 0:
        case.path_parameters["id"] = rows[resource]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, token, world):
    aim_at_the_world(case, world.rows)
    case.call_and_validate(headers={"Authorization": f"Token {token}"})
