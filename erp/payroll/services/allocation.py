"""Largest-remainder allocation to the fen: the parts always sum exactly to the total."""
from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Hashable, Sequence, TypeVar

K = TypeVar("K", bound=Hashable)
FEN = Decimal("0.01")
ZERO = Decimal(0)


def largest_remainder(total: Decimal, weights: Sequence[tuple[K, Decimal]]) -> dict[K, Decimal]:
    """Split ``total`` (to the fen) in proportion to ``weights``: every part is first rounded down to the fen,
    then the fen left over go one each to the parts with the largest remainders (ties: the earlier part).
    Zero weights get nothing; a negative total is split as its negation, negated."""
    total = Decimal(total).quantize(FEN)
    if total < 0:
        return {key: -amount for key, amount in largest_remainder(-total, weights).items()}
    positive = [(key, Decimal(weight)) for key, weight in weights if weight > 0]
    if any(weight < 0 for _, weight in weights):
        raise ValueError("weights must not be negative")
    result = {key: ZERO for key, _ in weights}
    weight_sum = sum((weight for _, weight in positive), ZERO)
    if not positive or not total:
        if total and not positive:
            raise ValueError("nothing to allocate to: every weight is zero")
        return result
    fen_total = int(total / FEN)
    remainders = []
    given = 0
    for index, (key, weight) in enumerate(positive):
        exact = Decimal(fen_total) * weight / weight_sum
        whole = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        result[key] = Decimal(whole) * FEN
        given += whole
        remainders.append((exact - whole, -index, key))
    for _, _, key in sorted(remainders, reverse=True)[:fen_total - given]:
        result[key] += FEN
    return result
