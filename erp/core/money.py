"""The single money module: exact column types, parsing, rounding, 大写 and display.

Money never passes through ``float``: floats are refused everywhere (``TypeError``
in the low-level helpers, :class:`MoneyError` where user input is parsed), and
rounding only ever happens where it is asked for (:func:`quantize_fen`,
:func:`format_amount`).  Everything that would otherwise round silently — binding
``Decimal('1.234')`` into a :class:`Money` column, ``decimal_str`` of a 3-place
value — raises instead.
"""
from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, Hashable, Sequence, TypeVar

from babel.numbers import format_currency, format_decimal
from sqlalchemy import BigInteger, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator, TypeEngine

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
_UNIT_PRICE_STEP = Decimal("0.000001")
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1

AmountLike = Decimal | int | str
# The one text form of an amount from outside: ASCII digits, an optional minus and fraction ("-1234.50").
# Not what Decimal() also takes (full-width digits, "1_0", "1e1", surrounding spaces): a form or an import
# folds what users type into this form first, visibly, and the API takes nothing else.
AMOUNT_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class MoneyError(ValueError):
    """Invalid amount from outside; ``str()`` is Chinese + English, ``field`` names the input."""

    def __init__(self, message: str, *, field: str = "amount") -> None:
        super().__init__(message)
        self.field = field


def to_decimal(value: AmountLike) -> Decimal:
    """Exact ``Decimal`` from Decimal/int/str; float (already inexact) → TypeError, NaN/Inf → ValueError."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise TypeError(f"amounts must be Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _to_units(value: Decimal, scale: int) -> int:
    """``value * 10**scale`` as an int, exactly (no context precision); ValueError if it has more places."""
    if value.adjusted() + scale > 38:  # far beyond BIGINT; keeps the int arithmetic cheap
        raise ValueError(f"{value} is too large")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked by to_decimal
    shift = exponent + scale
    if shift < 0:
        if any(digits[shift:]):
            raise ValueError(f"{value} has more than {scale} decimal places")
        digits = digits[:shift]
    units = int("".join(map(str, digits)) or "0") * 10 ** max(shift, 0)
    return -units if sign else units


def _from_units(units: int, scale: int) -> Decimal:
    """``units / 10**scale`` with exactly ``scale`` places, built from digits so nothing rounds."""
    sign, digits, _ = Decimal(units).as_tuple()
    return Decimal((sign, digits, -scale))


def quantize_fen(value: AmountLike, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the fen explicitly; 四舍五入 (ROUND_HALF_UP) unless told otherwise."""
    return to_decimal(value).quantize(FEN, rounding=rounding)


K = TypeVar("K", bound=Hashable)


def largest_remainder(total: Decimal, weights: Sequence[tuple[K, Decimal]]) -> dict[K, Decimal]:
    """Split ``total`` (exact to the fen, any sign) in proportion to ``weights`` (≥ 0) by the largest-remainder
    method: every share is first cut down to the fen, then the fen left over go one each to the largest
    fractional remainders (ties: the larger weight, then the order given). The shares sum to ``total``
    exactly and carry its sign; a zero total gives zero shares."""
    if total != total.quantize(FEN):
        raise ValueError(f"{total} is not in fen")
    if any(w < 0 for _, w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum((w for _, w in weights), Decimal(0))
    if not total:
        return {key: Decimal(0) for key, _ in weights}
    if weight_sum <= 0:
        raise ValueError("nothing to allocate to: every weight is zero")
    sign, cents = (-1 if total < 0 else 1), int(abs(total) / FEN)
    with localcontext() as context:
        context.prec = 50
        exact = [(key, Decimal(cents) * w / weight_sum) for key, w in weights]
    floors = {key: int(value.to_integral_value(rounding=ROUND_DOWN)) for key, value in exact}
    left = cents - sum(floors.values())
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - floors[exact[i][0]]), -weights[i][1], i))
    for i in order[:left]:
        floors[exact[i][0]] += 1
    return {key: sign * Decimal(units) * FEN if units else Decimal(0) for key, units in floors.items()}


def decimal_str(amount: AmountLike) -> str:
    """API string form with exactly two places (``"1234.50"``); refuses to round 3-place values."""
    return format(_from_units(_to_units(to_decimal(amount), 2), 2), "f")


def parse_amount(
    value: Any, *, field: str = "amount", allow_negative: bool = False, max_places: int = 2
) -> Decimal:
    """Validate an amount from a form, API or import; returns it with exactly ``max_places`` places.

    Extra places are refused rather than rounded: the user must see what is stored.
    Trailing zeros are fine (``"1.230"`` is 1.23). Text must be :data:`AMOUNT_TEXT`.
    """
    if isinstance(value, float):
        raise MoneyError(
            "金额不能使用浮点数 / amount must not be a float (use Decimal or str)", field=field
        )
    if isinstance(value, str) and not AMOUNT_TEXT.fullmatch(value):
        raise MoneyError(f"金额格式不正确：{value!r}，应如 1234.50 / not a valid amount: {value!r}", field=field)
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError):
        raise MoneyError(
            f"金额格式不正确：{value!r} / not a valid amount: {value!r}", field=field
        ) from None
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"金额超出上限 {MAX_AMOUNT} / amount exceeds {MAX_AMOUNT}", field=field)
    try:
        amount = _from_units(_to_units(amount, max_places), max_places)
    except ValueError:
        raise MoneyError(
            f"金额最多 {max_places} 位小数 / amount has more than {max_places} decimal places",
            field=field,
        ) from None
    if amount < 0 and not allow_negative:
        raise MoneyError("金额不能为负数 / amount must not be negative", field=field)
    return amount


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿")


def _group_words(group: int) -> str:
    """1..9999 in words; a run of inner zeros gives one 零, trailing zeros none."""
    words: list[str] = []
    zero_pending = False
    for power in (3, 2, 1, 0):
        digit = group // 10**power % 10
        if digit:
            words.append(("零" if zero_pending else "") + _DIGITS[digit] + _SMALL_UNITS[power])
            zero_pending = False
        else:
            zero_pending = bool(words)
    return "".join(words)


def _yuan_words(yuan: int) -> str:
    """1..999,999,999,999 in words, 4-digit groups under 亿/万/(元)."""
    words: list[str] = []
    zero_pending = False
    for index in (2, 1, 0):
        group = yuan // 10 ** (4 * index) % 10**4
        if group:
            if words and (zero_pending or group < 1000):
                words.append("零")
            words.append(_group_words(group) + _GROUP_UNITS[index])
            zero_pending = False
        else:
            zero_pending = bool(words)
    return "".join(words)


def amount_in_words(amount: AmountLike) -> str:
    """人民币大写 per the PBOC rules for 票据和结算凭证 (《支付结算办法》附件).

    - 整 after 元 when there is no 角/分, and after 角 when there is no 分
      (optional there; we always write it); never after 分.
    - Every 拾 has its digit: 10.00 → 壹拾元整, 100010.00 → 壹拾万零壹拾元整.
    - Rule (2): a run of zeros inside the integer, including a group's leading
      zeros and whole zero groups, gives one 零: 1409.50 → 壹仟肆佰零玖元伍角整,
      1000010000 → 壹拾亿零壹万元整, 100001000 → 壹亿零壹仟元整.
      Trailing zeros give none.
    - Rule (3) makes 零 optional when the 元 or 万 digit is 0 and the next
      digit (角, 仟) is not; we do NOT write it: 1680.32 → 壹仟陆佰捌拾元叁角贰分,
      107000.53 → 壹拾万柒仟元伍角叁分, 20000.10 → 贰万元壹角整.
    - Rule (4): 角 is 0 and 分 is not → 零 after 元 (325.04 → 叁佰贰拾伍元零肆分).
    - Integer part 0: only 角/分 (0.50 → 伍角整, 0.05 → 伍分); 0 → 零元整.

    Amounts are validated by :func:`parse_amount` (no float, at most 2 places,
    at most MAX_AMOUNT).  Negative amounts raise :class:`MoneyError`: a
    voucher carries no 负 in words, the reversal is a red-ink entry (红字冲销).
    """
    value = parse_amount(amount, allow_negative=True)
    if value < 0:
        raise MoneyError(
            "金额为负数：请以红字冲销凭证表示 / negative amount: record it as a red-ink reversal"
        )
    fen_total = _to_units(value, 2)
    if not fen_total:
        return "零元整"
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    words = _yuan_words(yuan) + "元" if yuan else ""
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan and fen:
        words += "零"
    return words + (_DIGITS[fen] + "分" if fen else "整")


def format_amount(amount: AmountLike, locale: str = "zh_CN", currency: bool = False) -> str:
    """Grouped display with two places (``1,234.57``; ``¥1,234.57`` with ``currency``).

    Rounds 四舍五入 here, because Babel would round half-even: 1234.565 → 1,234.57.
    """
    value = quantize_fen(amount)
    if currency:
        return format_currency(value, "CNY", locale=locale, decimal_quantization=False)
    return format_decimal(value, format="#,##0.00", locale=locale, decimal_quantization=False)


def format_unit_price(price: AmountLike, locale: str = "zh_CN") -> str:
    """Unit price rounded half-up to 6 places, shown with 2 to 6 places (``0.123456``, ``12.50``)."""
    value = to_decimal(price).quantize(_UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)
    return format_decimal(value, format="#,##0.00####", locale=locale, decimal_quantization=False)


class FixedDecimal(TypeDecorator[Decimal]):
    """A ``Decimal`` column stored exactly as a BIGINT count of ``10**-scale`` units.

    Not ``Numeric``: SQLite keeps NUMERIC as a binary REAL.  An integer column is
    exact on every backend and so is SUM over it (SQLite: int64; PostgreSQL:
    numeric, read back as an integral Decimal).  ``func.sum/min/max/coalesce``
    keep the column type, so their results come back as Decimals too.

    SQL arithmetic is allowed only where raw units stay right: ``+``/``-``
    with the same scale, ``*`` by an integer (``qty * price``) and unary ``-``.
    Anything else (``/``, ``Money * UnitPrice``, ``* Decimal``) raises
    ``TypeError``: load the values and compute with Decimal.  A Float column
    times a money column is not caught — don't.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def __repr__(self) -> str:
        # Alembic autogenerate renders column types with repr().
        args = str(self.scale) if type(self) is FixedDecimal else ""
        return f"{type(self).__name__}({args})"

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    class Comparator(TypeDecorator.Comparator[Decimal]):
        def _adapt_expression(
            self, op: operators.OperatorType, other_comparator: TypeEngine.Comparator[Any]
        ) -> tuple[operators.OperatorType, TypeEngine[Any]]:
            mine, other = self.type, other_comparator.type
            assert isinstance(mine, FixedDecimal)
            if isinstance(other, FixedDecimal):
                if op in (operators.add, operators.sub) and other.scale == mine.scale:
                    return op, mine
            elif op is operators.mul and isinstance(other, Integer):
                return op, mine
            raise TypeError(
                f"{mine!r} {op.__name__} {other!r} is not exact in SQL: compute with Decimal"
            )

    comparator_factory = Comparator

    def coerce_compared_value(self, op: operators.OperatorType | None, value: Any) -> TypeEngine[Any]:
        """Literals next to the column bind through this type: ``col > Decimal('9.50')`` → ``> 950``.

        Except an int multiplier, which is a count: ``col * 3`` must not become ``col * 300``.
        """
        if op is operators.mul and isinstance(value, int):
            return Integer()
        return self

    def process_bind_param(self, value: AmountLike | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        units = _to_units(to_decimal(value), self.scale)
        if not _BIGINT_MIN <= units <= _BIGINT_MAX:
            raise ValueError(f"{value} is out of range for {self!r}")
        return units

    def process_result_value(self, value: int | Decimal | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        units = int(value)
        if units != value:
            raise ValueError(f"{self!r} expects integer units from the database, got {value!r}")
        return _from_units(units, self.scale)


class Money(FixedDecimal):
    """Yuan amount stored as integer fen (2 places)."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(2)


class UnitPrice(FixedDecimal):
    """Unit price stored as integer micro-yuan (6 places): 药品/耗材 prices go below the fen."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(6)
