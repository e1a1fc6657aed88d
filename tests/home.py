"""Reading the home-page tiles (erp.core.tiles) off a rendered page, as the tests of each module's tiles do."""
from __future__ import annotations

import re
from decimal import Decimal

TILE = re.compile(r'<a class="tile-card[^"]*" href="(?P<href>[^"]*)" data-tile="(?P<name>\w+)">(?P<body>.*?)</a>', re.S)
VALUE = re.compile(r'<strong class="tile-value[^"]*">([^<]*)</strong>')
DETAIL = re.compile(r'<span class="tile-detail">([^<]*)</span>')


def tiles(html: str) -> dict[str, dict]:
    """provider name → {"value": Decimal, "href", "details": [text]}."""
    found = {}
    for match in TILE.finditer(html):
        value = VALUE.search(match["body"])[1].replace(",", "")
        found[match["name"]] = {"value": Decimal(value), "href": match["href"].replace("&amp;", "&"),
                                "details": [d.strip() for d in DETAIL.findall(match["body"])]}
    return found
