"""Allocation drivers (分摊参数): exact, validated, removable; the allocation plan (分摊方案): defaults, class rules
and department overrides, used by the report."""
from __future__ import annotations

from tests.costing.conftest import HOSPITAL, MARCH, by_code, report, set_drivers, spend
from tests.ledger.conftest import YEAR


def test_drivers_are_exact_validated_and_removable(books, api):
    finance = api("finance")
    assert set_drivers(finance, [("01", "floor_area", "1234.5678"), ("02", "floor_area", 12.5)]).status_code == 200
    listing = finance.get(f"/api/v1/costing/drivers?institution={HOSPITAL}&period={MARCH}&kind=floor_area").json
    assert [(d["department"], d["value"]) for d in listing["items"]] == [("01", "1234.5678"), ("02", "12.5")]
    assert listing["total"] == 2 and listing["items"][0]["kind_title"] == "面积(㎡)"

    def refused(values, field):
        response = set_drivers(finance, values)
        assert response.status_code in (404, 422), response.json
        assert field in response.json["error"]["fields"], response.json
        return response

    refused([("01", "staff", "-1")], "values[0].value")
    refused([("01", "staff", "1"), ("02", "staff", "1.00001")], "values[1].value")
    refused([("01", "outpatient_share", "100.01")], "values[0].value")
    refused([("01", "staff", "abc")], "values[0].value")
    assert refused([("99", "staff", "1")], "values[0].department").status_code == 404
    refused([("01", "head_count", "1")], "values[0].kind")  # schema: unknown kind
    response = set_drivers(finance, [("01", "staff", "1")], period=f"{YEAR}-01..{YEAR}-03")
    assert response.status_code == 422 and "period" in response.json["error"]["fields"]

    # nothing of a refused request was written; null removes a figure
    assert set_drivers(finance, [("01", "floor_area", None), ("02", "floor_area", "12.5")]).json == {
        "institution": HOSPITAL, "period": MARCH, "changed": 0, "deleted": 1}
    listing = finance.get(f"/api/v1/costing/drivers?institution={HOSPITAL}&period={MARCH}").json
    assert [(d["department"], d["kind"], d["value"]) for d in listing["items"]] == [("02", "floor_area", "12.5")]


def test_the_plan_has_defaults_and_can_be_changed_per_class_and_per_department(books, api):
    finance = api("finance")
    plan = finance.get(f"/api/v1/costing/rules?institution={HOSPITAL}").json["rules"]
    assert [(r["from_class"], r["base_kind"], r["default"]) for r in plan] == [
        ("admin", "staff", True), ("medical_support", "workload", True), ("medical_tech", "revenue", True),
        ("clinical", "outpatient_share", True)]

    def put(rules):
        return finance.put("/api/v1/costing/rules", json={"institution": HOSPITAL, "rules": rules})

    response = put([{"from_class": "medical_support", "base_kind": "floor_area"},
                    {"from_class": "admin", "department": "33", "base_kind": "floor_area"},
                    {"from_class": "clinical", "base_kind": "workload"}])
    assert response.status_code == 200, response.json
    assert [(r["from_class"], r["department"], r["base_kind"], r["default"]) for r in response.json["rules"]] == [
        ("admin", None, "staff", True), ("medical_support", None, "floor_area", False),
        ("medical_tech", None, "revenue", True), ("clinical", None, "workload", False),
        ("admin", "33", "floor_area", False)]

    assert put([{"from_class": "admin", "base_kind": "outpatient_share"}]).status_code == 422
    assert put([{"from_class": "clinical", "base_kind": "staff"}]).status_code == 422
    wrong_class = put([{"from_class": "admin", "department": "01", "base_kind": "staff"}])
    assert wrong_class.status_code == 422 and "rules[0].department" in wrong_class.json["error"]["fields"]

    # the override is used: 33 后勤保障科 by floor area, 31 院办 by staff
    spend(books, "31", "100.00", "5101")
    spend(books, "33", "90.00", "5101")
    assert set_drivers(finance, [("01", "staff", "1"), ("02", "staff", "1"), ("01", "floor_area", "2"),
                                 ("02", "floor_area", "1"), ("01", "outpatient_workload", "3"),
                                 ("01", "inpatient_workload", "1")]).status_code == 200
    rows = by_code(report(finance).json)
    assert (rows["01"]["received"]["admin"], rows["02"]["received"]["admin"]) == ("110.00", "80.00")
    # clinical split by workload 3 : 1 → 82.50 / 27.50; 02 has no split figures: a warning, no unit costs
    assert (rows["01"]["outpatient_cost"], rows["01"]["inpatient_cost"]) == ("82.50", "27.50")
    assert rows["02"]["outpatient_cost"] is None
    assert any("02 外科" in w for w in report(finance).json["warnings"])

    # null restores the default
    response = put([{"from_class": "medical_support", "base_kind": None},
                    {"from_class": "admin", "department": "33", "base_kind": None}])
    assert [(r["from_class"], r["base_kind"], r["default"]) for r in response.json["rules"]][:2] == [
        ("admin", "staff", True), ("medical_support", "workload", True)]
    assert len(response.json["rules"]) == 4
