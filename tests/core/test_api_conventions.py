"""API conventions every module relies on: errors, pagination, filters, idempotency, OpenAPI."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp.core.extensions import db
from erp.core.models import Institution

VALID_USCC = "12130522000000123J"


def test_institution_list_paginates_filters_and_sorts(demo, api):
    client = api("admin")
    first = client.get("/api/v1/institutions?kind=township_centre&per_page=3&page=1").json
    assert first["total"] == 8 and first["page"] == 1 and first["per_page"] == 3
    assert [i["code"] for i in first["items"]] == ["QH101", "QH102", "QH103"]
    third = client.get("/api/v1/institutions?kind=township_centre&per_page=3&page=3").json
    assert [i["code"] for i in third["items"]] == ["QH107", "QH108"]
    village = client.get("/api/v1/institutions?q=东庄").json["items"][0]
    assert village == {"id": village["id"], "code": "QH101-01", "name": "东庄村卫生室", "kind": "village_clinic",
                       "kind_title": "村卫生室", "level": "village", "parent": "QH101", "uscc": None, "active": True}
    desc = client.get("/api/v1/institutions?sort=-code&per_page=1").json["items"][0]
    assert desc["code"] == "QH202"


def test_unfiltered_list_total_counts_every_row_within_the_scope(demo, api):
    last = api("admin").get("/api/v1/institutions?per_page=10&page=4").json
    assert last["total"] == 32 and [i["code"] for i in last["items"]] == ["QH201", "QH202"]
    assert api("accountant").get("/api/v1/institutions?per_page=2").json["total"] == 4


def test_bad_query_and_body_are_422_naming_the_field(demo, api):
    client = api("admin")
    response = client.get("/api/v1/institutions?per_page=100000")
    assert response.status_code == 422 and "per_page" in response.json["error"]["fields"]
    response = client.post("/api/v1/institutions", json={"code": "QH301", "kind": "hospital"})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"name", "kind"}
    response = client.post("/api/v1/institutions", data="not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"


def test_invalid_uscc_is_refused_with_the_field_and_nothing_is_written(demo, api):
    before = db.session.scalar(select(func.count(Institution.id)))
    response = api("admin").post("/api/v1/institutions", json={
        "code": "QH301", "name": "清河县妇幼保健院", "kind": "public_health", "uscc": "12130522000000123X"})
    assert response.status_code == 422
    assert "uscc" in response.json["error"]["fields"]
    db.session.remove()
    assert db.session.scalar(select(func.count(Institution.id))) == before


def test_duplicate_code_is_refused(demo, api):
    response = api("admin").post("/api/v1/institutions", json={"code": "QH001", "name": "x", "kind": "public_health"})
    assert response.status_code == 422 and response.json["error"]["code"] == "duplicate"


def test_idempotency_key_returns_the_first_result_instead_of_a_second_document(demo, api):
    client = api("admin")
    body = {"code": "QH301", "name": "清河县妇幼保健院", "kind": "public_health", "uscc": VALID_USCC}
    first = client.post("/api/v1/institutions", json=body, headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/v1/institutions", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and first.json["level"] == "county"
    db.session.remove()
    assert db.session.scalar(select(func.count(Institution.id)).where(Institution.code == "QH301")) == 1
    other = client.post("/api/v1/institutions", json={**body, "code": "QH302"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    # without a key a retry is a new request: refused as a duplicate code, not silently repeated
    assert client.post("/api/v1/institutions", json=body).status_code == 422


def test_village_clinic_needs_a_township_parent(demo, api):
    client = api("admin")
    refused = client.post("/api/v1/institutions", json={"code": "QH001-01", "name": "县医院村点",
                                                        "kind": "village_clinic", "parent": "QH001"})
    assert refused.status_code == 422 and "parent" in refused.json["error"]["fields"]
    created = client.post("/api/v1/institutions", json={"code": "QH201-01", "name": "东城卫生站",
                                                        "kind": "village_clinic", "parent": "QH201"})
    assert created.status_code == 201 and created.json["parent"] == "QH201"


def test_unknown_route_and_method_are_json_errors(demo, api):
    client = api("admin")
    assert client.get("/api/v1/nothing-here").json["error"]["code"] == "not_found"
    assert client.put("/api/v1/institutions").status_code == 405


def test_openapi_document_is_generated_from_the_schemas(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    listing = document["paths"]["/api/v1/institutions"]["get"]
    names = {p["name"] for p in listing["parameters"] if p["in"] == "query"}
    assert {"page", "per_page", "kind", "q", "sort"} <= names
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["properties"]["items"]["items"]["$ref"] == "#/components/schemas/Institution"
    institution = document["components"]["schemas"]["Institution"]
    assert {"code", "name", "kind", "level", "parent"} <= set(institution["properties"])
    create = document["paths"]["/api/v1/institutions"]["post"]
    assert "requestBody" in create and create["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/api/v1/auth/token"]["post"]


def test_a_view_returns_a_file_of_a_media_type_its_route_produces():
    from urllib.parse import unquote

    from flask import Blueprint, Flask

    from erp.core.api_framework import JSON, OPERATIONS, FileResult, api_route

    pdf, xlsx = "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    bp = Blueprint("files_test", __name__, url_prefix="/api/v1")

    @api_route(bp, "/files/<kind>", permission=None, public=True, summary="a file or JSON", produces=(JSON, pdf))
    def download(kind):
        if kind == "json":
            return {"pages": 1}
        return FileResult(b"%PDF-1.7 one page", "科目余额表-城关镇卫生院-2026-03.pdf", pdf if kind == "pdf" else xlsx)

    OPERATIONS.remove(next(op for op in OPERATIONS if op.rule == "/api/v1/files/<kind>"))
    app = Flask("files")
    app.testing = True
    app.register_blueprint(bp)
    client = app.test_client()
    response = client.get("/api/v1/files/pdf")
    assert response.status_code == 200 and response.mimetype == pdf and response.data == b"%PDF-1.7 one page"
    disposition = unquote(response.headers["Content-Disposition"])
    assert disposition.startswith("attachment;") and "科目余额表-城关镇卫生院-2026-03.pdf" in disposition
    assert client.get("/api/v1/files/json").json == {"pages": 1}
    with pytest.raises(TypeError, match="not declared in produces"):
        client.get("/api/v1/files/xlsx")

