"""Bad input is a 4xx with the JSON error body naming the field, never a 500: handled once in the framework
(request parsing, the path converters, the page query, the money field), so every module inherits it."""
from __future__ import annotations

from decimal import Decimal

import pytest

from erp.core.money import MoneyError, parse_amount


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.json["error"]) == {"code", "message", "fields"}
    return response.json["error"]


@pytest.mark.parametrize("text", ["a\u0000", "\ud800", "x\udfffy"])
def test_nul_and_lone_surrogates_are_refused_naming_the_field_even_before_sign_in(app, demo, text):
    error = _error(app.test_client().post("/api/v1/auth/token", json={"username": text, "password": "p"}), 422)
    assert error["code"] == "invalid_text" and list(error["fields"]) == ["username"]


def test_bad_text_in_a_nested_field_is_named_by_its_path(demo, api):
    lines = [{"account": "1001", "debit": "1.00"}, {"account": "1002", "credit": "1.00", "memo": "a\u0000"}]
    response = api("finance").post("/api/v1/vouchers", json={"institution": "QH001", "date": "2026-01-05",
                                                             "lines": lines})
    error = _error(response, 422)
    assert error["code"] == "invalid_text" and list(error["fields"]) == ["lines[1].memo"]


def test_bad_text_in_the_query_and_the_path_is_refused(demo, api):
    client = api("admin")
    error = _error(client.get("/api/v1/institutions?q=a%00"), 422)
    assert list(error["fields"]) == ["q"]
    error = _error(client.get("/api/v1/institutions/QH%00"), 422)
    assert error["code"] == "invalid_text" and list(error["fields"]) == ["code"]


def test_a_json_number_with_a_fraction_is_never_cut_to_a_whole_number(demo, api):
    client = api("finance")
    lines = [{"account": "1001", "debit": "1.00"}, {"account": "1002", "credit": "1.00"}]
    response = client.post("/api/v1/vouchers", json={"institution": "QH001", "date": "2026-01-05", "lines": lines,
                                                     "attachment_count": 1.9})
    assert list(_error(response, 422)["fields"]) == ["attachment_count"]  # not 1 attachment
    hr = api("hr")
    refused = hr.post("/api/v1/payroll/tax/cumulative", json={"start_month": 2.9, "months": [{"income": "10000.00"}]})
    assert list(_error(refused, 422)["fields"]) == ["start_month"]  # not month 2
    taken = hr.post("/api/v1/payroll/tax/cumulative", json={"start_month": 2.0, "months": [{"income": "10000.00"}]})
    assert taken.status_code == 200 and taken.json["months"][0]["month"] == 2  # 2.0 is the whole number 2


def test_a_blank_code_is_refused_naming_the_field(demo, api):
    response = api("pharmacy").post("/api/v1/dispensing", json={
        "institution": "", "department": "01", "lines": [{"item": "C02030301002000107660000016", "quantity": 1}]})
    assert list(_error(response, 422)["fields"]) == ["institution"]  # was a 500


def test_json_nested_thousands_deep_is_a_400(demo, api):
    body = '{"username": ' + "[" * 5000 + "]" * 5000 + ', "password": "p"}'
    response = api("admin").client.post("/api/v1/auth/token", data=body, content_type="application/json")
    error = _error(response, 400)
    assert error["code"] == "invalid_json" and list(error["fields"]) == ["_body"]


@pytest.mark.parametrize("path", ["/api/v1/vouchers/2147483648", "/api/v1/vouchers/99999999999999999999999",
                                  "/api/v1/vouchers/2147483648/pdf"])
def test_an_id_beyond_the_integer_range_is_not_found(demo, api, path):
    assert _error(api("finance").get(path), 404)["code"] == "not_found"


def test_the_int_converter_is_bounded_for_every_route(app):
    from werkzeug.routing import IntegerConverter

    converters = [c for rule in app.url_map.iter_rules() for c in rule._converters.values()
                  if isinstance(c, IntegerConverter)]
    assert len(converters) >= 10 and all(c.max == 2**31 - 1 for c in converters)


@pytest.mark.parametrize("page", ["99999999999999999999", "2147483648", "-1", "0"])
def test_a_page_beyond_range_is_422_naming_page(demo, api, page):
    error = _error(api("admin").get(f"/api/v1/institutions?page={page}"), 422)
    assert list(error["fields"]) == ["page"]


def test_a_number_where_a_code_is_expected_is_422(demo, api):
    response = api("admin").post("/api/v1/departments", json={"institution": 123, "code": "X1", "name": "科",
                                                              "cost_class": "clinical"})
    error = _error(response, 422)
    assert list(error["fields"]) == ["institution"]


@pytest.mark.parametrize("text", ["１０.００", "1_0.00", "1e1", " 10.00 ", "10.00\n", "+10", "1,0.00", ".5",
                                  "10.", "٣"])
def test_only_the_documented_amount_forms_are_money(text):
    with pytest.raises(MoneyError):
        parse_amount(text)


@pytest.mark.parametrize("text, expected", [("10", "10.00"), ("10.5", "10.50"), ("-0.01", "-0.01"),
                                            ("1.230", "1.23"), ("0", "0.00")])
def test_the_documented_amount_forms_parse_exactly(text, expected):
    assert parse_amount(text, allow_negative=True) == Decimal(expected)


def test_amounts_in_the_api_refuse_the_undocumented_forms_and_keep_exact_json_numbers(demo, api):
    client = api("finance")

    def voucher(debit):
        lines = [{"account": "1001", "debit": debit}, {"account": "1002", "credit": "10.00"}]
        return client.post("/api/v1/vouchers", json={"institution": "QH001", "date": "2026-01-05", "lines": lines})

    for text in ("１０.００", "1_0.00", "1e1", " 10.00 "):
        assert list(_error(voucher(text), 422)["fields"]) == ["lines[0].debit"], text
    # a JSON number is exact (parsed as Decimal), and 10.001 is refused rather than rounded
    assert list(_error(client.client.post(
        "/api/v1/vouchers", data='{"institution": "QH001", "date": "2026-01-05", "lines": [{"account": "1001", '
        '"debit": 10.001}, {"account": "1002", "credit": "10.00"}]}', content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}"}), 422)["fields"]) == ["lines[0].debit"]


def test_a_wrong_type_in_a_list_names_the_field_like_the_services(demo, api):
    lines = [{"account": "1001", "debit": []}, {"account": "1002", "credit": "10.00"}]
    response = api("finance").post("/api/v1/vouchers", json={"institution": "QH001", "date": "2026-01-05",
                                                             "lines": lines})
    assert list(_error(response, 422)["fields"]) == ["lines[0].debit"]


def test_method_not_allowed_names_the_allowed_methods(demo, api):
    response = api("admin").put("/api/v1/institutions")
    assert _error(response, 405)["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.committed  # the database refuses the year: the request's own transaction, not a savepoint
@pytest.mark.parametrize("period", ["99999999999-01", "2147483648-01"])
def test_a_period_beyond_any_year_is_a_4xx(demo, api, period):
    client = api("finance")
    listed = client.get(f"/api/v1/vouchers?institution=QH001&period={period}")
    assert listed.status_code in (200, 422) and (listed.status_code == 422 or listed.json["total"] == 0)
    closed = client.post("/api/v1/periods/close", json={"institution": "QH001", "period": period})
    assert 400 <= closed.status_code < 500 and set(closed.json["error"]) == {"code", "message", "fields"}


def test_bad_text_in_a_page_is_a_400(demo, web):
    assert web("admin").get("/institutions?q=a%00").status_code == 400
