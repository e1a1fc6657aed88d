"""marshmallow's validation messages are Chinese for every module's API (English in the English UI), the
field named by its key and the error code unchanged."""
from __future__ import annotations

import re

import pytest

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _fields(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == "validation_error"
    return error["fields"]


def test_a_missing_field_and_a_null_are_named_in_chinese(app):
    client = app.test_client()
    assert _fields(client.post("/api/v1/auth/token", json={"username": "finance"})) == {"password": ["缺少必填字段"]}
    assert _fields(client.post("/api/v1/auth/token", json={"username": None, "password": "p"})) == {
        "username": ["不能为空值（null）"]}


@pytest.mark.parametrize("body, expected", [
    ({"attachment_count": "三"}, {"attachment_count": ["应为整数"]}),
    ({"memo": 5}, {"memo": ["应为字符串"]}),
    ({"lines": {"account": "1001"}}, {"lines": ["应为列表"]}),
    ({"lines": [{"account": "1001", "debit": "1.00", "colour": "red"}, {"account": "1002", "credit": "1.00"}]},
     {"lines[0].colour": ["未知字段"]}),
    ({"date": "2026-13-45"}, {"date": ["不是有效的日期（应为 YYYY-MM-DD）"]}),
])
def test_a_wrong_type_in_a_modules_api_is_refused_in_chinese(demo, api, body, expected):
    voucher = {"institution": "QH001", "date": "2026-01-05", "memo": "收费",
               "lines": [{"account": "1001", "debit": "1.00"}, {"account": "1002", "credit": "1.00"}], **body}
    assert _fields(api("finance").post("/api/v1/vouchers", json=voucher)) == expected


def test_validators_answer_in_chinese_too(demo, api):
    found = _fields(api("admin").post("/api/v1/institutions", json={"code": "", "name": "x" * 129, "kind": "zoo"}))
    assert found["code"] == ["长度应在 1 到 32 之间"] and found["name"] == ["长度应在 1 到 128 之间"]
    assert found["kind"][0].startswith("应为以下之一：") and "township" in found["kind"][0]
    assert all(CHINESE.search(message) for messages in found.values() for message in messages)


def test_the_english_ui_reads_them_from_the_catalogue(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["locale"] = "en"
    assert _fields(client.post("/api/v1/auth/token", json={"username": "finance", "password": 5})) == {
        "password": ["Not a valid string."]}
    assert _fields(client.post("/api/v1/auth/token", json={"username": "finance", "password": "p", "x": 1})) == {
        "x": ["Unknown field."]}
