"""Schemathesis over every operation of the OpenAPI document, signed in as a demo user whose role may use
it: no server error for any generated input, and every answer (errors included) as documented."""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from erp.core.demo import USERS

# A few generated cases per operation keep the sweep under ~3 minutes on a loaded 2-core machine
MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _user_for(app, permission: str | None) -> str:
    if permission is None:
        return "admin"
    roles = app.extensions["erp"].permissions.table[permission]
    return next(username for username, role, *_ in USERS if role in roles)


@pytest.mark.slow
def test_every_operation_answers_generated_input_without_a_server_error(app, demo, api):
    from erp.core.api_framework import OPERATIONS

    schema = schemathesis.openapi.from_dict(app.test_client().get("/api/v1/openapi.json").json)
    permission = {(op.rule.replace("<int:", "<").replace("<", "{").replace(">", "}"), op.method.upper()):
                  op.permission for op in OPERATIONS}
    permission = {(re.sub(r"\{[^:}]+:", "{", path), method): value for (path, method), value in permission.items()}
    # signed in first: the fuzzed POST /auth/token soon locks the test client's address out
    clients = {username: api(username) for username, *_ in USERS}
    failures: list[str] = []
    statuses: list[int] = []
    # signing out (DELETE /auth/token) revokes the client's token: the token operations go last
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda operation: operation.path == "/api/v1/auth/token")
    assert len(operations) >= 30
    for operation in operations:
        username = _user_for(app, permission[(operation.path, operation.method.upper())])
        client = clients[username]

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            kwargs = case.as_transport_kwargs(base_url="http://localhost")
            url = kwargs["url"].removeprefix("http://localhost")
            headers = {k: v for k, v in kwargs["headers"].items()
                       if k.lower() not in ("connection", "accept-encoding")}
            headers["Authorization"] = f"Bearer {client.token}"
            body = {"json": kwargs["json"]} if "json" in kwargs else (
                {"data": kwargs["data"]} if "data" in kwargs else {})
            response = client.client.open(url, method=kwargs["method"], headers=headers,
                                          query_string=kwargs.get("params") or None, **body)
            statuses.append(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # collected, so that one run names every operation that fails
                failures.append(f"{case.method} {url}: {response.status_code} {str(exc)[:300]}")
                raise

        try:
            check()
        except Exception:  # noqa: BLE001  (the failure is in ``failures``)
            pass
    assert not failures, "\n".join(failures)
    assert len(statuses) >= 3 * len(operations) and statuses.count(401) < len(statuses) // 10
    print(sorted((s, statuses.count(s)) for s in set(statuses)))
