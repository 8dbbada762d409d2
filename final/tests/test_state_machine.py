"""The whole API against a model anyone can read: a dict of items, keyed by id.

Hypothesis plays a client: it calls the endpoints in random orders with random valid bodies
(create, read, list a page, PATCH, PUT, delete; ids that exist, existed, never did, or
cannot), does the same to the dict, and after every step checks that the API and the dict
agree. When they disagree, it prints the shortest sequence of calls it could find that
shows it. (Invalid bodies are the business of test_patch_properties.py.)

The app is reached only over HTTP, so the same check runs on the article's app:

    .venv/bin/pytest final/tests/test_state_machine.py --app-dir steps/06_main
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from .item_bodies import expected_after_create, new_items, patches

ITEMS = "/api/v1/items/"
NOT_FOUND = 404
LARGEST_ID = 2_147_483_647

ApiFactory = Callable[[], AbstractContextManager[TestClient]]

# Ids the calls use: ids the API gave out (some of them deleted since), and any other.
other_ids = st.integers(min_value=1, max_value=LARGEST_ID)
# Ids no item can ever have: zero and below, and above the largest INTEGER. The edges are
# where behaviour changes (the first id too small or too large, and the first ones too large
# for a 64-bit integer, which is what SQLite and the database drivers use).
impossible_ids = (
    st.sampled_from([0, -1, LARGEST_ID + 1, 2**63, -(2**63) - 1, 10**23])
    | st.integers(max_value=0)
    | st.integers(min_value=LARGEST_ID + 1)
)


class ItemsApiAgainstADict(RuleBasedStateMachine):
    """One run: an empty database and an empty dict, then a sequence of calls."""

    open_client: ApiFactory  # set by the test below

    ids = Bundle("ids")

    def __init__(self) -> None:
        super().__init__()
        self.resources = ExitStack()
        self.client = self.resources.enter_context(type(self).open_client())
        self.items: dict[int, dict[str, Any]] = {}  # the model: what the database should hold

    def teardown(self) -> None:
        self.resources.close()

    def url(self, item_id: int) -> str:
        return f"{ITEMS}{item_id}"

    def check_not_found(self, method: str, item_id: int, answer: Any) -> None:
        assert answer.status_code == NOT_FOUND, (
            f"{method} {self.url(item_id)}: no item has this id, so the answer should be 404, "
            f"got {answer.status_code}: {answer.text}"
        )

    # --- Rules: one per operation ---------------------------------------------------------
    @rule(target=ids, body=new_items)
    def create(self, body: dict[str, Any]) -> int:
        answer = self.client.post(ITEMS, json=body)
        assert answer.status_code == 201, (
            f"POST {body}: expected 201, got {answer.status_code}: {answer.text}"
        )
        item_id: int = answer.json()["id"]
        assert item_id not in self.items, f"POST gave the id {item_id} of an existing item."
        self.items[item_id] = {"id": item_id, **expected_after_create(body)}
        assert answer.json() == self.items[item_id], (
            f"POST {body}: expected the answer {self.items[item_id]}, got {answer.json()}"
        )
        return item_id

    @rule(item_id=ids | other_ids)
    def read(self, item_id: int) -> None:
        answer = self.client.get(self.url(item_id))
        if item_id not in self.items:
            self.check_not_found("GET", item_id, answer)
            return
        assert (answer.status_code, answer.json()) == (200, self.items[item_id]), (
            f"GET {self.url(item_id)}: expected 200 {self.items[item_id]}, "
            f"got {answer.status_code} {answer.text}"
        )

    @rule(skip=st.integers(min_value=0, max_value=12), limit=st.integers(min_value=1, max_value=5))
    def list_a_page(self, skip: int, limit: int) -> None:
        answer = self.client.get(ITEMS, params={"skip": skip, "limit": limit})
        expected = self.in_id_order()[skip : skip + limit]
        assert (answer.status_code, answer.json()) == (200, expected), (
            f"GET {ITEMS}?skip={skip}&limit={limit}: expected the items {self.ids_of(expected)} "
            f"in this order, got {answer.status_code} {self.ids_of(answer.json())}"
        )

    @rule(item_id=ids | other_ids, sent=patches)
    def patch(self, item_id: int, sent: dict[str, Any]) -> None:
        answer = self.client.patch(self.url(item_id), json=sent)
        if item_id not in self.items:
            self.check_not_found("PATCH", item_id, answer)
            return
        self.items[item_id] = {**self.items[item_id], **sent}
        assert (answer.status_code, answer.json()) == (200, self.items[item_id]), (
            f"PATCH {self.url(item_id)} {sent}: expected 200 {self.items[item_id]}, "
            f"got {answer.status_code} {answer.text}"
        )

    @rule(item_id=ids | other_ids, body=new_items)
    def put(self, item_id: int, body: dict[str, Any]) -> None:
        answer = self.client.put(self.url(item_id), json=body)
        if item_id not in self.items:
            self.check_not_found("PUT", item_id, answer)
            return
        self.items[item_id] = {"id": item_id, **expected_after_create(body)}
        assert (answer.status_code, answer.json()) == (200, self.items[item_id]), (
            f"PUT {self.url(item_id)} {body}: the item should become exactly the body, with "
            f"defaults for what it leaves out: expected 200 {self.items[item_id]}, "
            f"got {answer.status_code} {answer.text}"
        )

    @rule(item_id=ids | other_ids)
    def delete(self, item_id: int) -> None:
        answer = self.client.delete(self.url(item_id))
        if item_id not in self.items:
            self.check_not_found("DELETE", item_id, answer)
            return
        del self.items[item_id]
        assert answer.status_code == 204, (
            f"DELETE {self.url(item_id)}: expected 204, got {answer.status_code}: {answer.text}"
        )

    @rule(
        method=st.sampled_from(["GET", "PATCH", "PUT", "DELETE"]),
        item_id=impossible_ids,
        body=new_items,
    )
    def use_an_impossible_id(self, method: str, item_id: int, body: dict[str, Any]) -> None:
        # An id outside 1..2147483647 is refused before any database work (the invariant
        # below then confirms that nothing changed).
        sent = body if method in ("PATCH", "PUT") else None
        answer = self.client.request(method, self.url(item_id), json=sent)
        assert answer.status_code == 422, (
            f"{method} {self.url(item_id)}: ids go from 1 to {LARGEST_ID}, so the answer should "
            f"be 422, got {answer.status_code}: {answer.text}"
        )

    # --- Invariants: what holds after every step ------------------------------------------
    @invariant()
    def the_list_shows_every_item_in_id_order(self) -> None:
        answer = self.client.get(ITEMS, params={"limit": 100})
        assert (answer.status_code, answer.json()) == (200, self.in_id_order()), (
            f"GET {ITEMS}?limit=100 should list every item, in order of id.\n"
            f"  expected: {self.in_id_order()}\n  got:      {answer.status_code} {answer.text}"
        )

    # --- Helpers --------------------------------------------------------------------------
    def in_id_order(self) -> list[dict[str, Any]]:
        return [self.items[item_id] for item_id in sorted(self.items)]

    @staticmethod
    def ids_of(items: Any) -> Any:
        if isinstance(items, list):
            return [item.get("id") if isinstance(item, dict) else item for item in items]
        return items


def test_the_api_behaves_like_a_dict_of_items(api: ApiFactory) -> None:
    class Run(ItemsApiAgainstADict):
        open_client = api

    # Up to 10 calls per run (the bugs this finds need 2 or 3); the Hypothesis profile
    # decides how many runs.
    run_state_machine_as_test(Run, settings=settings(stateful_step_count=10))
