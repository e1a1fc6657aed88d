"""National 医保 codes (CATALOGUE.md §5): the loose form refuses, the strict form warns, the kind follows."""
from __future__ import annotations

import pytest

from erp.procurement.models import ItemCategory, ItemKind
from erp.procurement.services import InvalidCode, check_code


@pytest.mark.parametrize("code, kind", [
    ("XA01ABD075A002010100483", ItemKind.WESTERN_DRUG), ("XV02DXF108B014010104287", ItemKind.WESTERN_DRUG),
    ("xj01dfa194b001030104141", ItemKind.WESTERN_DRUG),  # uppercased before matching
    ("ZA04CAT0019010100705", ItemKind.CHINESE_PATENT), ("ZA07AAX0718030301697", ItemKind.CHINESE_PATENT),
    ("C15011121200000107660000016", ItemKind.CONSUMABLE), ("C0344051070500007551", ItemKind.CONSUMABLE),
    ("T000100001", ItemKind.HERBAL),
])
def test_real_codes_are_accepted_without_warning(code, kind):
    checked = check_code(f" {code} ")
    assert (checked.code, checked.kind, checked.warning) == (code.upper(), kind, "")


def test_a_code_of_the_loose_form_only_is_kept_with_a_warning():
    # 23 characters, X first, but the generic-name part is digits only: loose yes, strict no
    checked = check_code("XA01AB0075A002010100483")
    assert checked.kind is ItemKind.WESTERN_DRUG and "loose form" in checked.warning
    assert check_code("Z1234567890123456789").warning  # 20 characters, not ATC-shaped


@pytest.mark.parametrize("code", [
    "XA01ABD075A00201010048",      # 22 characters
    "XA01ABD075A0020101004830",    # 24
    "XA01ABD075A00201010048-",     # a dash
    "ZA04CAT001901010070",         # 中成药 of 19
    "C1501112120000010766000001",  # 26 characters: neither 27 nor 20
    "C150111212000001076600000A6",  # a letter in a consumable code
    "T00010000",                    # 饮片 of 9 digits
    "TA00100001",
    "A01ABD075A002010100483",       # no kind letter
    "",
])
def test_codes_outside_the_loose_form_are_refused_naming_the_field(code):
    with pytest.raises(InvalidCode) as refused:
        check_code(code)
    assert refused.value.code == "invalid_code" and "code" in refused.value.fields


def test_the_category_must_agree_with_the_code():
    with pytest.raises(InvalidCode) as refused:
        check_code("T000100001", ItemCategory.DRUG)
    assert refused.value.code == "category_mismatch" and "category" in refused.value.fields
    assert check_code("C0344051070500007551", ItemCategory.CONSUMABLE).kind is ItemKind.CONSUMABLE
