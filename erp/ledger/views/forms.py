"""Web forms of the ledger: the voucher header and its line grid, reversal, periods, Excel import.

The voucher's lines are a grid of same-named inputs (``line_account``, ``line_debit`` …, one per row,
in row order), which is what a keyboard-driven grid needs: the browser adds rows without renumbering
anything. :func:`line_rows_from` reads them back as :class:`LineRow` objects that keep exactly what
was typed, so that a refused voucher comes back with every cell as the user left it.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

# The grid's columns, in keyboard order (Enter moves along this order).
LINE_FIELDS = ("account", "debit", "credit", "department", "partner", "funding_source", "project", "employee",
               "memo", "cash_flow_item")
AMOUNT_FIELDS = ("debit", "credit")
DIMENSION_FIELDS = ("department", "partner", "funding_source", "project", "employee")
DIMENSION_TITLES = {"department": _l("科室"), "partner": _l("往来单位"), "funding_source": _l("资金来源"),
                    "project": _l("项目"), "employee": _l("职工")}
COLUMN_TITLES = {"account": _l("科目"), "debit": _l("借方金额"), "credit": _l("贷方金额"), **DIMENSION_TITLES,
                 "memo": _l("摘要"), "cash_flow_item": _l("现金流量项目")}


class VoucherForm(FlaskForm):
    """The voucher header. The lines are read by :func:`line_rows_from`."""

    # Choices are the institutions of the user's scope; an out-of-scope code is refused by the view.
    institution = SelectField(_l("成员单位"), validate_choice=False)
    date = DateField(_l("日期"), validators=[DataRequired(message=_l("请填写日期"))])
    memo = StringField(_l("摘要"), validators=[Length(max=256)])
    attachment_count = IntegerField(_l("附件张数"), default=0,
                                    validators=[Optional(), NumberRange(min=0, max=999)])


@dataclass
class LineRow:
    """One row of the grid: what was typed, and the messages to show next to its cells."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def blank(cls) -> "LineRow":
        return cls({name: "" for name in LINE_FIELDS})

    @property
    def is_blank(self) -> bool:
        return not any(value.strip() for value in self.values.values())

    def add_error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)


def line_rows_from(formdata) -> list[LineRow]:
    """The grid rows of a submitted form, in order (blank rows included: the view skips them)."""
    columns = {name: formdata.getlist(f"line_{name}") for name in LINE_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    return [LineRow({name: (values[index] if index < len(values) else "") for name, values in columns.items()})
            for index in range(count)]


def normalize_amount(text: str) -> str:
    """What the user typed, as a plain decimal string: full-width digits (IME) folded to ASCII, thousands
    separators, spaces and the yuan sign removed. ``"１，２００.５０"`` → ``"1200.50"``. No rounding."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in folded if ch not in ", \t\u00a0¥").strip()


def normalize_code(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


class ReverseForm(FlaskForm):
    date = DateField(_l("冲销日期"), validators=[DataRequired(message=_l("请填写冲销日期"))])
    memo = StringField(_l("摘要（可选）"), validators=[Optional(), Length(max=256)])


class PeriodForm(FlaskForm):
    institution = StringField(validators=[DataRequired(), Length(max=32)])
    period = StringField(validators=[DataRequired(), Length(max=7)])


class ReopenForm(PeriodForm):
    reason = StringField(_l("反结账原因"), validators=[Length(max=256)])


class ImportForm(FlaskForm):
    file = FileField(_l("凭证文件 (.xlsx)"), validators=[FileRequired(message=_l("请选择要导入的 Excel 文件"))])


class SettingsForm(FlaskForm):
    poster_may_review = BooleanField(_l("记账人可以是审核人（否则须由审核人以外的记账人记账）"))
    cashier_sign = BooleanField(_l("涉及库存现金、银行存款的凭证须出纳签字后才能记账"))
