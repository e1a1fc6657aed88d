"""The step-down arithmetic: remainders to the largest receiver, conservation to the fen, never a negative share."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp.core.models import CostClass
from erp.costing.services import ALLOCATION_BASES, CostCentre, allocate, step_down


def test_allocate_gives_the_remainder_to_the_largest_receiver():
    assert allocate(Decimal("1000.00"), [("a", Decimal(1)), ("b", Decimal(1)), ("c", Decimal(4)), ("d", Decimal(3))]) \
        == {"a": Decimal("111.11"), "b": Decimal("111.11"), "c": Decimal("444.45"), "d": Decimal("333.33")}
    # three equal receivers: the first of equals takes the extra fen
    assert allocate(Decimal("100.00"), [("a", Decimal(1)), ("b", Decimal(1)), ("c", Decimal(1))]) == {
        "a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    # half-up rounding overshoots (4 × 0.005 → 4 × 0.01): the largest cannot go below zero, so the next gives too
    assert allocate(Decimal("0.02"), [(k, Decimal(1)) for k in "abcd"]) == {
        "a": Decimal("0.00"), "b": Decimal("0.00"), "c": Decimal("0.01"), "d": Decimal("0.01")}
    # a receiver without base never gets the remainder
    assert allocate(Decimal("0.01"), [("none", Decimal(0)), ("x", Decimal(1)), ("y", Decimal(1)),
                                      ("z", Decimal(1))]) == {
        "none": Decimal("0.00"), "x": Decimal("0.01"), "y": Decimal("0.00"), "z": Decimal("0.00")}
    # a credit balance is allocated as a credit
    assert allocate(Decimal("-10.00"), [("a", Decimal(1)), ("b", Decimal(2))]) == {
        "a": Decimal("-3.33"), "b": Decimal("-6.67")}
    with pytest.raises(ValueError):
        allocate(Decimal("1.00"), [("a", Decimal(0))])


fen = st.integers(min_value=0, max_value=10**11).map(lambda units: Decimal(units).scaleb(-2))
small_fen = st.integers(min_value=0, max_value=500).map(lambda units: Decimal(units).scaleb(-2))
positive_base = st.integers(min_value=1, max_value=10**9).map(lambda units: Decimal(units).scaleb(-4))


@settings(max_examples=300, deadline=None)
@given(amount=st.one_of(fen, small_fen), weights=st.lists(st.one_of(positive_base, st.just(Decimal(0))),
                                                         min_size=1, max_size=30))
def test_allocate_conserves_and_never_goes_negative(amount, weights):
    if not any(weights):
        weights[0] = Decimal(1)
    shares = allocate(amount, list(enumerate(weights)))
    assert sum(shares.values()) == amount
    assert all(share >= 0 and share == share.quantize(Decimal("0.01")) for share in shares.values())
    assert all(shares[i] == 0 for i, weight in enumerate(weights) if not weight)


CLASSES = [CostClass.ADMIN, CostClass.MEDICAL_SUPPORT, CostClass.MEDICAL_TECH, CostClass.CLINICAL]


@st.composite
def hospitals(draw):
    counts = [draw(st.integers(0, 4)), draw(st.integers(0, 4)), draw(st.integers(0, 4)), draw(st.integers(1, 5))]
    centres, number = [], 0
    for cost_class, count in zip(CLASSES, counts):
        for _ in range(count):
            number += 1
            centres.append(CostCentre(number, f"{number:02d}", f"科室{number}", cost_class))
    direct = {c.id: draw(st.one_of(fen, small_fen)) for c in centres}
    bases = {(c.id, kind): draw(positive_base) for c in centres for kind in ALLOCATION_BASES}
    kinds = {c.id: draw(st.sampled_from(ALLOCATION_BASES)) for c in centres}
    return centres, direct, bases, kinds


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hospitals())
def test_step_down_conserves_the_total_to_the_fen_and_never_gives_a_negative_amount(hospital):
    centres, direct, bases, kinds = hospital
    result = step_down(centres, direct, base_kind_of=lambda c: kinds[c.id],
                       base_value=lambda department_id, kind: bases[(department_id, kind)])
    total = sum(direct.values())
    assert sum(result.full_cost(c.id) for c in centres) == total
    for step in result.steps:
        assert sum(share.amount for share in step.shares) == step.amount
        assert all(share.amount >= 0 for share in step.shares)
    for centre in centres:
        assert all(amount >= 0 for amount in result.received.get(centre.id, {}).values())
        if centre.cost_class is CostClass.CLINICAL:
            assert result.full_cost(centre.id) >= direct[centre.id]
        else:
            assert result.full_cost(centre.id) == 0  # everything passed on down the steps
