"""Several clients at once: requests sent from many threads, each really committing.

A web server runs requests side by side. These checks send PATCHes (and POSTs) from several
threads at the same time, on an SQLite file set up as the app sets it up, and on PostgreSQL.
"""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

from fastapi.testclient import TestClient

ITEMS = "/api/v1/items/"
ROUNDS = 8

# What each thread writes, round after round, into its own field of the same item.
VALUES_WRITTEN: dict[str, list[Any]] = {
    "title": [f"Title {n}" for n in range(ROUNDS)],
    "description": [f"Description {n}" for n in range(ROUNDS)],
    "price": [float(n + 1) for n in range(ROUNDS)],
    "is_available": [n % 2 == 0 for n in range(ROUNDS)],
}


def test_patches_of_different_fields_at_once_lose_no_update(
    committing_client: TestClient,
) -> None:
    client = committing_client
    created = client.post(ITEMS, json={"title": "Lamp", "price": 20})
    assert created.status_code == 201, created.text
    url = f"{ITEMS}{created.json()['id']}"
    start_together = Barrier(len(VALUES_WRITTEN))

    def write(field: str) -> list[str]:
        start_together.wait()
        problems = []
        for value in VALUES_WRITTEN[field]:
            answer = client.patch(url, json={field: value})
            if answer.status_code != 200:
                problems.append(
                    f"PATCH {{{field!r}: {value!r}}}: {answer.status_code} {answer.text}"
                )
        return problems

    with ThreadPoolExecutor(max_workers=len(VALUES_WRITTEN)) as threads:
        problems = [p for found in threads.map(write, VALUES_WRITTEN) for p in found]

    assert not problems, (
        "Requests sent at the same time should all succeed (the database makes them wait for "
        "each other); these failed:\n  " + "\n  ".join(problems)
    )
    final = client.get(url).json()
    expected = {field: values[-1] for field, values in VALUES_WRITTEN.items()}
    lost = {field: final[field] for field in expected if final[field] != expected[field]}
    assert not lost, (
        f"Each thread's last write should be in the item; these fields hold something else: "
        f"{lost} (expected {expected}). A PATCH must write only the fields it was sent: "
        "writing back the whole item it read a moment earlier undoes the other threads' work."
    )


def test_items_created_at_once_each_get_their_own_id(committing_client: TestClient) -> None:
    client = committing_client
    start_together = Barrier(4)

    def create(n: int) -> list[int]:
        start_together.wait()
        answers = [
            client.post(ITEMS, json={"title": f"Item {n}.{k}", "price": 1}) for k in range(5)
        ]
        return [answer.json()["id"] for answer in answers if answer.status_code == 201]

    with ThreadPoolExecutor(max_workers=4) as threads:
        ids = [item_id for found in threads.map(create, range(4)) for item_id in found]

    listed = [item["id"] for item in client.get(f"{ITEMS}?limit=100").json()]
    assert (len(ids), len(set(ids)), listed) == (20, 20, sorted(ids)), (
        f"20 POSTs from 4 threads should create 20 items with 20 different ids, all listed; "
        f"got {len(ids)} created, {len(set(ids))} different ids, and the list {listed}."
    )
