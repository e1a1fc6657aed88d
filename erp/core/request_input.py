"""Input as the API and the pages take it: exact JSON, bounded path integers, text a database can hold,
and error field paths named one way everywhere (``lines[0].debit``)."""
from __future__ import annotations

import json
import re
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


class JSONNumber(Decimal):
    """A JSON number written with a fraction or exponent. It is a ``Decimal`` everywhere, but it never turns
    into a whole number by truncation: ``int()`` of ``1.9`` is refused (every integer field of every schema
    answers "not a valid integer" instead of taking employee 1 or year 2051 for ``2051.5``)."""

    def __int__(self) -> int:
        if self != self.to_integral_value():
            raise ValueError(f"{self} is not a whole number")
        return Decimal.__int__(self)


class ExactJSONProvider(DefaultJSONProvider):
    """JSON numbers with a fraction or exponent are parsed as ``Decimal``, never ``float``: a client's
    ``10.00000000000000001`` reaches the schema as written (and is refused there), not rounded to 10.0.
    NaN and Infinity are not JSON and are refused (the body is then not valid JSON: 400)."""

    def loads(self, s: str | bytes, **kwargs):
        kwargs.setdefault("parse_float", JSONNumber)
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            return json.loads(s, **kwargs)
        except RecursionError:  # nested thousands deep: not a body any operation takes
            raise ValueError("JSON nested too deeply") from None


INT_MAX = 2**31 - 1  # the database's INTEGER: ids, years, counts


class BoundedIntConverter(IntegerConverter):
    """Flask's ``int`` path converter, bounded by the database's INTEGER: ``/vouchers/2147483648`` is a 404
    (no such record), not an overflow in the query. Registered as ``int`` for the whole app."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, INT_MAX if max is None else max, signed)


# NUL (PostgreSQL's text refuses it) and lone surrogates (not encodable as UTF-8): never valid text
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def bad_text_fields(data, prefix: str = "") -> dict[str, list[str]]:
    """The paths (named as :func:`field_paths` names them) of every string, key included, with NUL or a lone
    surrogate in ``data`` (decoded JSON)."""
    found: dict[str, list[str]] = {}
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        name = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
        if isinstance(key, str) and BAD_TEXT.search(key):
            found[BAD_TEXT.sub("\ufffd", name)] = ["字段名含有不允许的字符 (the field name contains NUL or a lone "
                                                    "surrogate)"]
        elif isinstance(value, str) and BAD_TEXT.search(value):
            found[name] = ["含有不允许的字符 (NUL or a lone surrogate is not text)"]
        else:
            found.update(bad_text_fields(value, name))
    return found


def out_of_range_ints(data, prefix: str = "") -> dict[str, list[str]]:
    """Loaded integers beyond the database's INTEGER, by field path: every id, year or count is one."""
    found: dict[str, list[str]] = {}
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        name = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_MAX:
            found[name] = [f"数值超出范围 (must be between {-INT_MAX} and {INT_MAX})"]
        else:
            found.update(out_of_range_ints(value, name))
    return found


def field_paths(messages: dict, prefix: str = "") -> dict:
    """Nested marshmallow errors as the services name fields: ``{"lines": {"1": {"credit": [..]}}}`` →
    ``{"lines[1].credit": [..]}``."""
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}[{key}]" if str(key).isdigit() else (f"{prefix}.{key}" if prefix else str(key))
        if isinstance(value, dict):
            flat.update(field_paths(value, name))
        else:
            flat[name] = value
    return flat
