"""Excel export and import of employees' payroll profiles (one sheet, the same columns both ways).

Import creates an employee for a new 身份证号 and updates the one that has it; it is all or nothing: every row's
errors are collected (``行 N 列: 原因``) and nothing is written when any row fails.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.money import MoneyError, parse_amount
from erp.core.xlsx import build_xlsx
from erp.payroll.models import ESTABLISHMENT_TITLES, STAFF_CATEGORY_TITLES, PayrollProfile
from erp.payroll.services.employees import create_employee, profiles_query, update_employee

# (key, Chinese header, kind)
COLUMNS = [("institution", "成员单位编码", "text"), ("code", "职工编号", "text"), ("name", "姓名", "text"),
           ("id_number", "身份证号", "text"), ("department", "科室编码", "text"), ("establishment", "编制状态", "text"),
           ("post", "岗位", "text"), ("grade", "薪级", "int"), ("staff_category", "人员类别", "text"),
           ("general_practitioner", "全科医生", "text"), ("public_health", "公共卫生医师", "text"),
           ("bank_name", "开户银行", "text"), ("bank_account", "银行账号", "text"),
           ("insurance_base", "社保缴费基数", "amount"), ("housing_fund_base", "公积金缴存基数", "amount"),
           ("hire_date", "入职日期", "date"), ("leave_date", "离职日期", "date"), ("is_head", "主要负责人", "text")]
ESTABLISHMENTS = {title: value.value for value, title in ESTABLISHMENT_TITLES.items()}
CATEGORIES = {title: value.value for value, title in STAFF_CATEGORY_TITLES.items()}
YES, NO = "是", "否"


def export_rows(profiles) -> list[dict]:
    rows = []
    for p in profiles:
        rows.append({
            "institution": p.institution.code, "code": p.employee.code, "name": p.employee.name,
            "id_number": p.id_number, "department": p.department.code if p.department else "",
            "establishment": ESTABLISHMENT_TITLES[p.establishment], "post": p.post, "grade": p.grade,
            "staff_category": STAFF_CATEGORY_TITLES[p.staff_category],
            "general_practitioner": YES if p.general_practitioner else NO,
            "public_health": YES if p.public_health else NO, "bank_name": p.bank_name,
            "bank_account": p.bank_account, "insurance_base": p.insurance_base,
            "housing_fund_base": p.housing_fund_base, "hire_date": p.hire_date, "leave_date": p.leave_date,
            "is_head": YES if p.is_head else NO})
    return rows


def export_employees(session: Session, community_id: int, institution_id: int | None = None) -> bytes:
    profiles = session.scalars(profiles_query(community_id, institution_id)).unique()
    return build_xlsx("职工薪酬档案", [{"key": k, "label": label, "kind": kind} for k, label, kind in COLUMNS],
                      export_rows(profiles))


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.column}：{self.message}"


class ImportFailed(BusinessError):
    code = "import_failed"

    def __init__(self, errors: list[RowError]):
        super().__init__(f"导入失败，共 {len(errors)} 处错误，未导入任何数据 (import failed: {len(errors)} errors)",
                         {f"rows[{e.row}].{e.column}": [e.message] for e in errors})
        self.errors = errors


def parse_cell(key: str, kind: str, value: Any):
    """One cell's value by the column's kind (amount to the fen, int, date, text); blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "amount":
        if isinstance(value, float):
            value = format(Decimal(str(value)), "f")  # the cell as Excel shows it, then checked to the fen
        return parse_amount(str(value).strip().replace(",", ""), field=key)
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"应为整数 (must be a whole number): {value}") from None
    if kind == "date":
        if isinstance(value, (date, datetime)):
            return value.date() if isinstance(value, datetime) else value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"应为日期 YYYY-MM-DD (must be a date): {value}") from None
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    if key == "establishment":
        return ESTABLISHMENTS.get(text, text)
    if key == "staff_category":
        return CATEGORIES.get(text, text)
    if key in ("general_practitioner", "public_health", "is_head"):
        if text not in (YES, NO):
            raise ValueError(f"应填“{YES}”或“{NO}”")
        return text == YES
    return text


def read_sheet(data: bytes, columns=COLUMNS) -> list[tuple[int, dict]]:
    """(row number, {key: raw value}) of every non-blank row under the header row (the one naming 身份证号)."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise BusinessError.for_field("file", f"无法读取 Excel 文件 (not a readable .xlsx file): {exc}") from None
    titles = {label: key for key, label, _ in columns}
    header, rows = None, []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if header is None:
            if values and "身份证号" in [str(v).strip() if v is not None else "" for v in values]:
                header = [titles.get(str(v).strip()) if v is not None else None for v in values]
            continue
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append((number, {key: value for key, value in zip(header, values) if key}))
    if header is None:
        raise BusinessError.for_field("file", "找不到表头（须有“身份证号”列）(no header row with 身份证号)")
    return rows


def parse_row(number: int, raw: dict, columns=COLUMNS) -> tuple[dict, list[RowError]]:
    """The row's values by its columns' kinds, and an error naming the column of each cell that does not parse."""
    kinds = {key: kind for key, _, kind in columns}
    labels = {key: label for key, label, _ in columns}
    values, errors = {}, []
    for key, value in raw.items():
        try:
            values[key] = parse_cell(key, kinds[key], value)
        except (ValueError, MoneyError) as exc:
            errors.append(RowError(number, labels[key], str(exc)))
    return values, errors


def import_employees(session: Session, community_id: int, data: bytes) -> tuple[int, int]:
    """Create or update every row; returns (created, updated) or raises :class:`ImportFailed`."""
    labels = {key: label for key, label, _ in COLUMNS}
    errors, created, updated = [], 0, 0
    for number, raw in read_sheet(data):
        values, bad = parse_row(number, raw)
        if bad:
            errors.extend(bad)
            continue
        try:
            with session.begin_nested():
                existing = session.scalar(select(PayrollProfile).where(
                    PayrollProfile.community_id == community_id, PayrollProfile.id_number == values.get(
                        "id_number")).execution_options(skip_scope=True)) if values.get("id_number") else None
                fields = {k: v for k, v in values.items() if v is not None}
                if existing is None:
                    create_employee(session, community_id, **fields)
                    created += 1
                else:
                    fields.pop("institution", None), fields.pop("code", None)
                    update_employee(session, existing, fields)
                    updated += 1
        except BusinessError as exc:
            field = next(iter(exc.fields), "")
            errors.append(RowError(number, labels.get(field, field or "-"), exc.message))
        except (TypeError, ValueError) as exc:
            errors.append(RowError(number, "-", str(exc)))
    if errors:
        raise ImportFailed(errors)
    return created, updated
