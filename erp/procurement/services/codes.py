"""The national 医保 codes (CATALOGUE.md §5): what a code is, refused when it fails the loose form, a warning
when it fails the strict one. Codes are text, uppercased before matching; no check digit is computed."""
from __future__ import annotations

import re
from dataclasses import dataclass

from erp.core.errors import BusinessError
from erp.procurement.models import ItemCategory, ItemKind

WESTERN_STRICT = re.compile(r"^X[A-Z]\d{2}[A-Z]{2}[A-Z]\d{3}[A-Z]\d{3}\d{9}$")
PATENT_STRICT = re.compile(r"^Z[A-Z]\d{2}[A-Z]{2}[A-Z]\d{4}\d{9}$")
DRUG_LOOSE = re.compile(r"^(X[A-Z0-9]{22}|Z[A-Z0-9]{19})$")
CONSUMABLE = re.compile(r"^C(\d{26}|\d{19})$")
HERBAL = re.compile(r"^T\d{9}$")

KIND_OF_LETTER = {"X": ItemKind.WESTERN_DRUG, "Z": ItemKind.CHINESE_PATENT, "C": ItemKind.CONSUMABLE,
                  "T": ItemKind.HERBAL}
CATEGORY_OF_KIND = {ItemKind.WESTERN_DRUG: ItemCategory.DRUG, ItemKind.CHINESE_PATENT: ItemCategory.DRUG,
                    ItemKind.CONSUMABLE: ItemCategory.CONSUMABLE, ItemKind.HERBAL: ItemCategory.HERBAL}


class InvalidCode(BusinessError):
    code = "invalid_code"


@dataclass(frozen=True)
class CheckedCode:
    code: str          # uppercased, stripped
    kind: ItemKind
    warning: str = ""  # fits the loose form only: kept, shown


def normalise_code(value: str) -> str:
    return (value or "").strip().upper()


def check_code(value: str, category: ItemCategory | None = None, field: str = "code") -> CheckedCode:
    """The code's kind, or :class:`InvalidCode` naming ``field``; ``category`` (when given) must agree."""
    code = normalise_code(value)
    kind = KIND_OF_LETTER.get(code[:1])
    if kind in (ItemKind.WESTERN_DRUG, ItemKind.CHINESE_PATENT):
        if not DRUG_LOOSE.match(code):
            raise InvalidCode.for_field(field, f"药品编码 {code} 格式不符：西药 23 位、中成药 20 位字母数字 "
                                               f"(a drug code is X + 22 or Z + 19 letters/digits)")
        strict = WESTERN_STRICT if kind is ItemKind.WESTERN_DRUG else PATENT_STRICT
        warning = "" if strict.match(code) else "编码结构与常见国家医保编码不一致，请核对 (code fits only the loose form)"
    elif kind is ItemKind.CONSUMABLE:
        if not CONSUMABLE.match(code):
            raise InvalidCode.for_field(field, f"耗材编码 {code} 格式不符：C + 26 位数字（或 20 位前缀）"
                                               f"(a consumable code is C + 26 digits, or its 20-character prefix)")
        warning = ""
    elif kind is ItemKind.HERBAL:
        if not HERBAL.match(code):
            raise InvalidCode.for_field(field, f"中药饮片编码 {code} 格式不符：T + 9 位数字 "
                                               f"(a 中药饮片 code is T + 9 digits)")
        warning = ""
    else:
        raise InvalidCode.for_field(field, f"编码 {code or '（空）'} 不是国家医保编码：应以 X、Z、C 或 T 开头 "
                                           f"(a national code starts with X, Z, C or T)")
    if category is not None and CATEGORY_OF_KIND[kind] is not category:
        raise InvalidCode.for_field("category", f"编码 {code} 属于 {CATEGORY_OF_KIND[kind].value}，与类别 "
                                                f"{category.value} 不符 (the code's category differs)",
                                    "category_mismatch")
    return CheckedCode(code, kind, warning)
