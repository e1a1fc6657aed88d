"""Two clerks creating the same item at the same moment on PostgreSQL: one succeeds, the other is told to
retry (409), never a server error."""
from __future__ import annotations

import threading

import pytest

from tests.procurement.test_api import ITEM


@pytest.mark.postgres
@pytest.mark.committed
def test_the_same_code_created_twice_at_once_is_one_item_and_one_conflict(demo, api):
    clients = [api("procurement"), api("admin")]
    barrier, statuses = threading.Barrier(2), []

    def create(client):
        barrier.wait()
        response = client.post("/api/v1/catalogue/items", json=ITEM)
        statuses.append((response.status_code, response.json.get("error", {}).get("code")))

    threads = [threading.Thread(target=create, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [status for status in statuses if status == (201, None)]
    losers = [status for status in statuses if status != (201, None)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0] in ((409, "concurrent_change"), (422, "duplicate"))  # raced at the flush, or saw the row
    listed = clients[0].get(f"/api/v1/catalogue/items?q={ITEM['code']}").json
    assert listed["total"] == 1
