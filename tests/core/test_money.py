"""erp.core.money: exact storage, parsing, rounding, 人民币大写 and display."""
from __future__ import annotations

import os
import random
import re
import uuid
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from erp.core.money import (
    FEN,
    MAX_AMOUNT,
    FixedDecimal,
    Money,
    MoneyError,
    UnitPrice,
    amount_in_words,
    decimal_str,
    format_amount,
    format_unit_price,
    parse_amount,
    quantize_fen,
    to_decimal,
)

# ---------------------------------------------------------------- 人民币大写

WORDS = [
    # the PBOC examples and the choices documented in amount_in_words
    ("1409.50", "壹仟肆佰零玖元伍角整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("100.00", "壹佰元整"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("0.50", "伍角整"),
    ("0.05", "伍分"),
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("10.00", "壹拾元整"),
    ("100000000.00", "壹亿元整"),
    ("1000010000.00", "壹拾亿零壹万元整"),
    ("20000.10", "贰万元壹角整"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("100010000", "壹亿零壹万元整"),
    ("100000001", "壹亿零壹元整"),
    # more
    ("1", "壹元整"),
    ("0.01", "壹分"),
    ("0.10", "壹角整"),
    ("0.11", "壹角壹分"),
    ("10.05", "壹拾元零伍分"),
    ("50000.07", "伍万元零柒分"),
    ("110", "壹佰壹拾元整"),
    ("1001", "壹仟零壹元整"),
    ("1010", "壹仟零壹拾元整"),
    ("10000", "壹万元整"),
    ("100010.00", "壹拾万零壹拾元整"),
    ("100001", "壹拾万零壹元整"),
    ("1000001", "壹佰万零壹元整"),
    ("8000000", "捌佰万元整"),
    ("10100000", "壹仟零壹拾万元整"),
    ("101000000", "壹亿零壹佰万元整"),
    ("1010000000", "壹拾亿壹仟万元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("10000.50", "壹万元伍角整"),
    ("100000000.01", "壹亿元零壹分"),
    ("200000000000", "贰仟亿元整"),
    ("300000000500.70", "叁仟亿零伍佰元柒角整"),
    ("12345678901.23", "壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("amount", "words"), WORDS)
def test_amount_in_words(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words
    assert amount_in_words(amount) == words


def test_amount_in_words_accepts_int_and_trailing_zeros() -> None:
    assert amount_in_words(5) == "伍元整"
    assert amount_in_words(Decimal("1.2300")) == "壹元贰角叁分"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("-1.00"), "红字"),
        ("-0.01", "红字"),
        (Decimal("1000000000000.00"), "超出上限"),
        (MAX_AMOUNT + FEN, "超出上限"),
        (Decimal("1.234"), "小数"),
        ("0.001", "小数"),
        (1.5, "浮点"),
        ("壹元", "格式"),
        (None, "格式"),
        (Decimal("NaN"), "格式"),
    ],
)
def test_amount_in_words_refuses(amount: object, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        amount_in_words(amount)  # type: ignore[arg-type]


_NUMERALS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}
_SHAPE = re.compile(
    "(?:(?P<yuan>[零壹贰叁肆伍陆柒捌玖拾佰仟万亿]+)元)?"
    "零?(?:(?P<jiao>[壹贰叁肆伍陆柒捌玖])角)?(?:(?P<fen>[壹贰叁肆伍陆柒捌玖])分)?整?"
)


def _integer_from_words(text: str) -> int:
    """Independent reader: digits multiply 拾/佰/仟 into a section, 万/亿 scale it."""
    total = section = digit = 0
    for char in text:
        if char in _NUMERALS:
            digit = _NUMERALS[char]
        elif char in _SMALL:
            assert digit, f"{char} without a digit in {text}"
            section, digit = section + digit * _SMALL[char], 0
        elif char == "万":
            total, section, digit = total + (section + digit) * 10**4, 0, 0
        else:  # 亿
            total, section, digit = (total + section + digit) * 10**8, 0, 0
    return total + section + digit


def words_to_decimal(words: str) -> Decimal:
    match = _SHAPE.fullmatch(words)
    assert match, words
    yuan = _integer_from_words(match["yuan"] or "")
    jiao = _NUMERALS[match["jiao"]] if match["jiao"] else 0
    fen = _NUMERALS[match["fen"]] if match["fen"] else 0
    return Decimal(yuan * 100 + jiao * 10 + fen).scaleb(-2)


def expected_zero_count(fen_total: int) -> int:
    """The 零 rules restated on the digit string: one 零 per run of zeros followed by a
    non-zero digit, except (PBOC rule 3, optional 零 not written) a run ending on the 元
    digit, or ending on the 万/亿 digit without spanning a whole 4-digit group."""
    digits = str(fen_total)
    count = 0
    for run in re.finditer("0+", digits):
        position = len(digits) - run.end()  # place of the run's last zero: 0 分, 1 角, 2 元
        trailing = run.end() == len(digits)
        optional = position == 2 or (position in (6, 10) and len(run[0]) < 4)
        count += not (trailing or optional)
    return count


MAX_FEN = int(MAX_AMOUNT * 100)
fen_totals = st.one_of(
    st.integers(0, MAX_FEN),
    # zero-heavy digit strings exercise the 零 rules; 14 digits never exceed MAX_FEN
    st.text(alphabet="00000000123456789", min_size=1, max_size=14).map(int),
)


@settings(max_examples=1000)
@given(fen_totals)
def test_amount_in_words_properties(fen_total: int) -> None:
    amount = Decimal(fen_total).scaleb(-2)
    words = amount_in_words(amount)
    assert "零零" not in words
    assert not words.endswith("零")
    assert ("元" in words) == (fen_total >= 100 or fen_total == 0)
    assert words.endswith("整") == (fen_total % 10 == 0)
    assert words_to_decimal(words) == amount
    if fen_total:
        assert words.count("零") == expected_zero_count(fen_total)


def test_words_parser_reads_the_examples() -> None:
    for amount, words in WORDS:
        assert words_to_decimal(words) == Decimal(amount)


# ---------------------------------------------------------------- parsing and rounding


def test_to_decimal() -> None:
    assert to_decimal(" 12.30 ") == Decimal("12.30")
    assert to_decimal(7) == Decimal(7)
    assert to_decimal(Decimal("0.1")) == Decimal("0.1")
    for bad in (0.1, True, None, [1]):
        with pytest.raises(TypeError):
            to_decimal(bad)  # type: ignore[arg-type]
    for bad in ("abc", "", "NaN", "Infinity", Decimal("-Infinity"), Decimal("sNaN")):
        with pytest.raises(ValueError):
            to_decimal(bad)


def test_quantize_fen_is_half_up_unless_told() -> None:
    assert quantize_fen("0.125") == Decimal("0.13")
    assert quantize_fen("-0.125") == Decimal("-0.13")
    assert quantize_fen("1234.565") == Decimal("1234.57")
    assert quantize_fen("0.125", rounding=ROUND_HALF_EVEN) == Decimal("0.12")
    assert str(quantize_fen(3)) == "3.00"
    with pytest.raises(TypeError):
        quantize_fen(0.125)  # type: ignore[arg-type]


def test_parse_amount() -> None:
    assert parse_amount("12.5") == Decimal("12.50")
    assert str(parse_amount("12.5")) == "12.50"
    assert str(parse_amount(3)) == "3.00"
    assert parse_amount("1.230") == Decimal("1.23")
    assert str(parse_amount("-0")) == "0.00"
    assert parse_amount(str(MAX_AMOUNT)) == MAX_AMOUNT
    assert parse_amount("-5.10", allow_negative=True) == Decimal("-5.10")
    assert str(parse_amount("0.1234", max_places=4)) == "0.1234"


@pytest.mark.parametrize(
    ("value", "kwargs", "zh", "en"),
    [
        ("abc", {}, "格式不正确", "not a valid amount"),
        ("", {}, "格式不正确", "not a valid amount"),
        (None, {}, "格式不正确", "not a valid amount"),
        ("NaN", {}, "格式不正确", "not a valid amount"),
        (1.5, {}, "浮点数", "float"),
        ("1.234", {}, "最多 2 位小数", "more than 2 decimal places"),
        ("1.23456", {"max_places": 4}, "最多 4 位小数", "more than 4 decimal places"),
        ("-0.01", {}, "负数", "negative"),
        ("1000000000000", {}, "超出上限", "exceeds"),
        ("-1000000000000", {"allow_negative": True}, "超出上限", "exceeds"),
    ],
)
def test_parse_amount_refuses(value: object, kwargs: dict, zh: str, en: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_amount(value, field="unit_price", **kwargs)
    assert zh in str(caught.value) and en in str(caught.value)
    assert caught.value.field == "unit_price"
    assert isinstance(caught.value, ValueError)


def test_decimal_str() -> None:
    assert decimal_str(Decimal("1234.5")) == "1234.50"
    assert decimal_str(0) == "0.00"
    assert decimal_str("-7") == "-7.00"
    assert decimal_str(Decimal("1E+3")) == "1000.00"
    assert decimal_str(Decimal("1.230")) == "1.23"
    assert decimal_str(Decimal("9999999999999999.99")) == "9999999999999999.99"
    with pytest.raises(ValueError):
        decimal_str(Decimal("1.234"))
    with pytest.raises(TypeError):
        decimal_str(1.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------- display


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_format_amount_rounds_half_up(locale: str) -> None:
    assert format_amount(Decimal("1234.565"), locale) == "1,234.57"
    assert format_amount(Decimal("0.125"), locale) == "0.13"
    assert format_amount(Decimal("1234567.8"), locale) == "1,234,567.80"
    assert format_amount(0, locale) == "0.00"
    assert format_amount("-1234.5", locale) == "-1,234.50"


def test_format_amount_currency() -> None:
    assert format_amount(Decimal("1234.565"), currency=True) == "¥1,234.57"
    assert format_amount(Decimal("1234.565"), "en", currency=True) == "CN¥1,234.57"
    assert format_amount(Decimal("-0.125"), currency=True) == "-¥0.13"
    assert format_amount(100, "en", currency=True) == "CN¥100.00"


def test_format_refuses_float() -> None:
    with pytest.raises(TypeError):
        format_amount(1234.565)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_unit_price(0.5)  # type: ignore[arg-type]


@given(st.decimals(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT, places=4))
def test_format_amount_shows_the_half_up_value(amount: Decimal) -> None:
    shown = format_amount(amount, "en")
    assert Decimal(shown.replace(",", "")) == quantize_fen(amount)
    assert shown.rsplit(".", 1)[1].isdigit() and len(shown.rsplit(".", 1)[1]) == 2


def test_format_unit_price() -> None:
    assert format_unit_price("12.5") == "12.50"
    assert format_unit_price(3) == "3.00"
    assert format_unit_price("0.1234565") == "0.123457"
    assert format_unit_price(Decimal("1234.120000"), "en") == "1,234.12"
    assert format_unit_price("0.0000005") == "0.000001"


# ---------------------------------------------------------------- FixedDecimal columns


def make_table(name: str, *prefixes: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("amount", Money()),
        sa.Column("price", UnitPrice()),
        prefixes=list(prefixes),
    )


def check_exact_storage(conn: sa.Connection, table: sa.Table) -> None:
    """Extremes round-trip, SUM over 100,000 rows is exact, comparisons bind in units."""
    extremes = [
        {"amount": Decimal("9999999999999999.99"), "price": Decimal("9223372036854.775807")},
        {"amount": Decimal("-92233720368547758.08"), "price": Decimal("-0.000001")},
        {"amount": None, "price": "12.5"},
    ]
    conn.execute(table.insert(), extremes)
    rows = conn.execute(sa.select(table.c.amount, table.c.price).order_by(table.c.id)).all()
    assert [tuple(row) for row in rows] == [
        (Decimal("9999999999999999.99"), Decimal("9223372036854.775807")),
        (Decimal("-92233720368547758.08"), Decimal("-0.000001")),
        (None, Decimal("12.500000")),
    ]
    assert [str(row.price) for row in rows][2] == "12.500000"
    conn.execute(table.delete())

    rng = random.Random(20240601)
    amounts = [Decimal(rng.randrange(-10**12, 10**12)).scaleb(-2) for _ in range(100_000)]
    prices = [Decimal(rng.randrange(10**12)).scaleb(-6) for _ in range(100_000)]
    conn.execute(table.insert(), [{"amount": a, "price": p} for a, p in zip(amounts, prices)])

    total, price_total = conn.execute(sa.select(sa.func.sum(table.c.amount), sa.func.sum(table.c.price))).one()
    assert isinstance(total, Decimal) and total == sum(amounts)
    assert total.as_tuple().exponent == -2
    assert price_total == sum(prices) and price_total.as_tuple().exponent == -6

    threshold = Decimal("1234.56")
    above = conn.scalar(sa.select(sa.func.count()).where(table.c.amount > threshold))
    assert above == sum(1 for a in amounts if a > threshold)
    assert conn.scalar(sa.select(table.c.amount).where(table.c.amount == amounts[7])) == amounts[7]

    empty = conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(table.c.amount), 0)).where(table.c.id < 0))
    assert empty == Decimal("0.00")


@pytest.mark.filterwarnings("error")  # e.g. SQLAlchemy's "cache_ok not set" warning
def test_fixed_decimal_on_sqlite() -> None:
    engine = sa.create_engine("sqlite://")
    table = make_table("money_test")
    with engine.begin() as conn:
        table.create(conn)
        check_exact_storage(conn, table)
        assert conn.exec_driver_sql("SELECT typeof(amount) FROM money_test LIMIT 1").scalar() == "integer"


@pytest.fixture
def pg_engine() -> Iterator[sa.Engine]:
    url = os.environ.get("ERP_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set ERP_TEST_DATABASE_URL")
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_fixed_decimal_on_postgresql(pg_engine: sa.Engine) -> None:
    table = make_table(f"money_test_{uuid.uuid4().hex[:12]}", "TEMPORARY")
    with pg_engine.begin() as conn:
        table.create(conn)
        try:
            check_exact_storage(conn, table)
        finally:
            table.drop(conn)


def test_sql_arithmetic_keeps_units_or_refuses() -> None:
    engine = sa.create_engine("sqlite://")
    metadata = sa.MetaData()
    line = sa.Table(
        "line",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("debit", Money()),
        sa.Column("credit", Money()),
        sa.Column("qty", sa.Integer),
        sa.Column("price", UnitPrice()),
    )
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(
            line.insert(),
            [
                {"debit": "10.50", "credit": 0, "qty": 3, "price": "1.234567"},
                {"debit": 0, "credit": "0.25", "qty": 2, "price": "0.5"},
            ],
        )
        assert conn.scalar(sa.select(sa.func.sum(line.c.debit - line.c.credit))) == Decimal("10.25")
        assert conn.scalar(sa.select(sa.func.sum(line.c.qty * line.c.price))) == Decimal("4.703701")
        assert conn.scalar(sa.select(sa.func.max(2 * line.c.debit))) == Decimal("21.00")
        assert conn.scalar(sa.select(sa.func.max(line.c.debit * 2 + Decimal("0.01")))) == Decimal("21.01")
        assert conn.scalar(sa.select(sa.func.min(-line.c.debit))) == Decimal("-10.50")
    for refused in (
        lambda: line.c.debit / 2,
        lambda: line.c.debit * Decimal("1.5"),
        lambda: line.c.debit * line.c.price,
        lambda: line.c.debit + line.c.price,
    ):
        with pytest.raises(TypeError, match="not exact in SQL"):
            refused()


def test_bind_refuses_float_and_extra_places() -> None:
    dialect = sa.create_engine("sqlite://").dialect
    money, price = Money(), UnitPrice()
    assert money.process_bind_param(Decimal("1234.50"), dialect) == 123450
    assert money.process_bind_param("-0.01", dialect) == -1
    assert money.process_bind_param(7, dialect) == 700
    assert money.process_bind_param(None, dialect) is None
    assert price.process_bind_param(Decimal("0.000001"), dialect) == 1
    with pytest.raises(TypeError):
        money.process_bind_param(1.5, dialect)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        money.process_bind_param(Decimal("1.234"), dialect)
    with pytest.raises(ValueError, match="more than 6 decimal places"):
        price.process_bind_param("0.0000001", dialect)
    with pytest.raises(ValueError, match="out of range"):
        money.process_bind_param(Decimal("92233720368547758.08"), dialect)
    with pytest.raises(ValueError, match="too large"):
        money.process_bind_param("1E+999999999", dialect)


def test_bind_errors_surface_through_the_engine() -> None:
    engine = sa.create_engine("sqlite://")
    table = make_table("money_test")
    with engine.begin() as conn:
        table.create(conn)
        with pytest.raises(sa.exc.StatementError) as caught:
            conn.execute(table.insert(), {"amount": 1.234})
        assert isinstance(caught.value.orig, TypeError)
        with pytest.raises(sa.exc.StatementError) as caught:
            conn.execute(table.insert(), {"amount": Decimal("1.234")})
        assert isinstance(caught.value.orig, ValueError)
        assert conn.scalar(sa.select(sa.func.count()).select_from(table)) == 0


def test_result_value() -> None:
    dialect = sa.create_engine("sqlite://").dialect
    money = Money()
    assert str(money.process_result_value(123450, dialect)) == "1234.50"
    assert str(money.process_result_value(Decimal("-5"), dialect)) == "-0.05"
    assert str(UnitPrice().process_result_value(0, dialect)) == "0.000000"
    assert money.process_result_value(None, dialect) is None
    with pytest.raises(ValueError, match="integer units"):
        money.process_result_value(Decimal("1.5"), dialect)


def test_type_identity() -> None:
    assert repr(Money()) == "Money()"
    assert repr(UnitPrice()) == "UnitPrice()"
    assert repr(FixedDecimal(4)) == "FixedDecimal(4)"
    assert Money().python_type is Decimal
    assert isinstance(Money().impl_instance, sa.BigInteger)
