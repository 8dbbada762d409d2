"""Hidden checks of exercise 03 (filter and search). Never handed out.

Every check creates its own items with a title word no other check uses, and filters with
that word, so the checks do not see each other's data.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from exercises.harness import ITEMS, Context, Reply, check, expect, shown


def _create(ctx: Context, token: str, rows: Sequence[tuple[str, float, bool]]) -> list[int]:
    ids = []
    for title, price, available in rows:
        body = {"title": f"{title} {token}", "price": price, "is_available": available}
        ids.append(int(ctx.api.post(ITEMS, json=body).expect(201).item()["id"]))
    return ids


def _stored(token: str, rows: Sequence[tuple[str, float, bool]]) -> str:
    """The items a check created, as the learner can create them again to reproduce it."""
    described = [
        f"{title} {token} (price {price}{'' if available else ', not available'})"
        for title, price, available in rows
    ]
    return "With the items " + ", ".join(described) + " stored, "


def _list(ctx: Context, params: Mapping[str, Any]) -> tuple[Reply, list[dict[str, Any]]]:
    reply = ctx.api.get(ITEMS, params=params).expect(200)
    return reply, reply.items()


def _expect_titles(
    reply: Reply, items: list[dict[str, Any]], expected: list[str], stored: str = ""
) -> None:
    titles = sorted(str(item.get("title")) for item in items)
    expect(
        titles == sorted(expected),
        f"{stored}{reply.request} should list exactly {shown(sorted(expected))}; "
        f"it listed {shown(titles)}.",
    )


@check("q_finds_title_substring")
def q_finds_title_substring(ctx: Context) -> None:
    rows = [("Mechanical keyboard", 89.0, True), ("Mouse", 19.0, True)]
    _create(ctx, "qa7x", rows)
    _create(ctx, "qb7x", [("Mechanical pencil", 2.5, True)])
    stored = _stored("qa7x", rows).replace(" stored, ", ", Mechanical pencil qb7x stored, ")
    reply, items = _list(ctx, {"q": "qa7x"})
    _expect_titles(reply, items, ["Mechanical keyboard qa7x", "Mouse qa7x"], stored)
    reply, items = _list(ctx, {"q": "board qa7"})
    _expect_titles(reply, items, ["Mechanical keyboard qa7x"], stored)
    reply, items = _list(ctx, {"q": "no such title zz9"})
    _expect_titles(reply, items, [], stored)
    # The text as a whole, in its order: not each word somewhere.
    reply, items = _list(ctx, {"q": "keyboard mechanical"})
    _expect_titles(reply, items, [], stored)
    # The title only: an item whose description holds the text is not listed.
    body = {"title": "Lamp qd7x", "description": "matches qe7x", "price": 9.0}
    ctx.api.post(ITEMS, json=body).expect(201)
    reply, items = _list(ctx, {"q": "qe7x"})
    _expect_titles(reply, items, [], 'With Lamp qd7x (description "matches qe7x") stored, ')
    # % and _ are characters like any other, not SQL LIKE wildcards.
    wild = [("50% off", 5.0, True), ("500 off", 5.0, True), ("a_b", 5.0, True), ("axb", 5.0, True)]
    _create(ctx, "wc7x", wild)
    for text, expected in (("50% off wc7x", ["50% off wc7x"]), ("a_b wc7x", ["a_b wc7x"])):
        reply, items = _list(ctx, {"q": text})
        _expect_titles(reply, items, expected, _stored("wc7x", wild))


@check("q_ignores_case")
def q_ignores_case(ctx: Context) -> None:
    _create(ctx, "Qc7x", [("Standing Desk", 300.0, True)])
    reply, items = _list(ctx, {"q": "standing desk qc7X"})
    _expect_titles(reply, items, ["Standing Desk Qc7x"])


@check("price_range_is_inclusive")
def price_range_is_inclusive(ctx: Context) -> None:
    rows = [("Cheap", 5.0, True), ("Middle", 10.0, True), ("Dear", 20.0, False)]
    _create(ctx, "pr7x", rows)
    cases: list[tuple[dict[str, float], list[str]]] = [
        ({"min_price": 10}, ["Middle pr7x", "Dear pr7x"]),
        ({"max_price": 10}, ["Cheap pr7x", "Middle pr7x"]),
        ({"min_price": 10, "max_price": 10}, ["Middle pr7x"]),
        ({"min_price": 5.5, "max_price": 19.99}, ["Middle pr7x"]),
        # 0 is a bound like any other, not "no filter": every price is above it.
        ({"max_price": 0}, []),
    ]
    for params, expected in cases:
        reply, items = _list(ctx, {"q": "pr7x", **params})
        _expect_titles(reply, items, expected, _stored("pr7x", rows))


@check("available_filters")
def available_filters(ctx: Context) -> None:
    rows = [("On shelf", 3.0, True), ("Sold out", 4.0, False)]
    _create(ctx, "av7x", rows)
    reply, items = _list(ctx, {"q": "av7x", "available": "false"})
    _expect_titles(reply, items, ["Sold out av7x"], _stored("av7x", rows))
    reply, items = _list(ctx, {"q": "av7x", "available": "true"})
    _expect_titles(reply, items, ["On shelf av7x"], _stored("av7x", rows))


@check("filters_combine")
def filters_combine(ctx: Context) -> None:
    rows = [("A", 5.0, True), ("B", 15.0, True), ("C", 15.0, False), ("D", 50.0, True)]
    _create(ctx, "cb7x", rows)
    params = {"q": "cb7x", "min_price": 10, "max_price": 20, "available": "true"}
    reply, items = _list(ctx, params)
    _expect_titles(reply, items, ["B cb7x"], _stored("cb7x", rows))


@check("min_above_max_is_422")
def min_above_max_is_422(ctx: Context) -> None:
    for low, high in ((20, 10), (5, 0)):
        ctx.api.get(ITEMS, params={"min_price": low, "max_price": high}).expect(
            422, why=f"because no price can be at least {low} and at most {high}"
        )


@check("bad_filter_values_are_422")
def bad_filter_values_are_422(ctx: Context) -> None:
    for params in ({"min_price": "cheap"}, {"max_price": "lots"}, {"available": "maybe"}):
        ctx.api.get(ITEMS, params=params).expect(422, why="because the value has the wrong type")


@check("filters_combine_with_paging")
def filters_combine_with_paging(ctx: Context) -> None:
    rows = [(f"Page {n}", 10.0 + n, True) for n in range(5)]
    ids = _create(ctx, "pg7x", rows)
    _create(ctx, "other7x", [("Page noise", 11.0, True)])
    stored = (
        f"With Page 0 pg7x … Page 4 pg7x stored as ids {ids[0]} to {ids[-1]} (prices 10.0 to "
        "14.0), and Page noise other7x after them, "
    )
    reply, items = _list(ctx, {"q": "pg7x", "skip": 1, "limit": 2})
    got = [item.get("id") for item in items]
    expect(
        got == ids[1:3],
        f"{stored}{reply.request} should list the 2nd and 3rd matching items in id order, "
        f"ids {ids[1:3]}; it listed ids {got}.",
    )
    reply, items = _list(ctx, {"q": "pg7x", "min_price": 11.5, "skip": 2, "limit": 5})
    got = [item.get("id") for item in items]
    expect(
        got == ids[4:],
        f"{stored}{reply.request} should list ids {ids[4:]} (the 3rd item priced 11.5 or "
        f"more, and what follows); it listed ids {got}.",
    )


@check("unfiltered_list_unchanged")
def unfiltered_list_unchanged(ctx: Context) -> None:
    ids = _create(ctx, "un7x", [("Plain", 1.0, True), ("Other", 2.0, False)])
    seen: list[int] = []
    for skip in range(0, 2000, 100):
        _, items = _list(ctx, {"skip": skip, "limit": 100})
        seen += [int(item["id"]) for item in items if "id" in item]
        if len(items) < 100:
            break
    missing = [item_id for item_id in ids if item_id not in seen]
    expect(
        not missing,
        f"GET {ITEMS} without filters, page by page (skip/limit=100), should list every item; "
        f"it never listed ids {missing}.",
    )


@check("paging_limits_still_checked")
def paging_limits_still_checked(ctx: Context) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"skip": -1}):
        ctx.api.get(ITEMS, params=params).expect(422)
