"""Hidden checks of exercise 01 (PUT as full replacement). Never handed out.

Each check talks to the learner's app over HTTP; its failure message describes the request
and the expected answer, never this code.
"""

from exercises.harness import ITEMS, Context, check, differing_fields, expect, shown

FULL = {
    "title": "Desk lamp",
    "description": "LED, warm white",
    "price": 35.0,
    "is_available": False,
}


def _create(ctx: Context, body: dict[str, object]) -> dict[str, object]:
    return ctx.api.post(ITEMS, json=body).expect(201).item()


def _assert_stored(ctx: Context, item_id: object, expected: dict[str, object], after: str) -> None:
    stored = ctx.api.get(f"{ITEMS}{item_id}").expect(200).item()
    wrong = differing_fields(expected, stored)
    expect(
        not wrong,
        f"After {after}, GET {ITEMS}{item_id} should show {shown(expected)}; "
        f"these fields differ: {shown(wrong)}.",
    )


@check("put_replaces_every_field")
def put_replaces_every_field(ctx: Context) -> None:
    # The item replaced is between two others (not the newest), which must stay as they are.
    before = _create(ctx, {"title": "Shelf", "description": "pine", "price": 49.0})
    item = _create(ctx, {"title": "Old lamp", "description": "dusty", "price": 9.5})
    after = _create(ctx, {"title": "Rug", "price": 80.0, "is_available": False})
    path = f"{ITEMS}{item['id']}"
    reply = ctx.api.put(path, json=FULL).expect(200, why="with the replaced item")
    answered = reply.item()
    wrong = differing_fields(FULL, answered)
    expect(
        not wrong, f"{reply.request} should answer the new values; these differ: {shown(wrong)}."
    )
    expect(
        answered.get("id") == item["id"],
        f"{reply.request} must keep the id {item['id']} (the item is changed in place, not "
        f"deleted and created again); it answered id {shown(answered.get('id'))}.",
    )
    _assert_stored(ctx, item["id"], FULL, f"PUT {path}")
    for other in (before, after):
        _assert_stored(ctx, other["id"], other, f"PUT {path} (of another item)")
    # An id in the body does not move the item: the path names it.
    moved = ctx.api.put(path, json={**FULL, "id": 876543})
    if moved.status != 422:  # refusing a body with an id is fine too
        moved.expect(200, why="(an id in the body does not change which item is replaced)")
        expect(
            moved.item().get("id") == item["id"],
            f"{moved.request} must keep the item's id {item['id']}; the id in the path names "
            f"the item, and an id in the body changes nothing. It answered {shown(moved.item())}.",
        )
    ctx.api.get(f"{ITEMS}876543").expect(404, why=f"after {moved.request}: no item 876543")
    _assert_stored(ctx, item["id"], FULL, moved.request)


@check("put_resets_omitted_fields")
def put_resets_omitted_fields(ctx: Context) -> None:
    item = _create(ctx, FULL)
    body = {"title": "Lamp", "price": 20.0}
    reply = ctx.api.put(f"{ITEMS}{item['id']}", json=body)
    reply.expect(200, why="and reset description to null and is_available to true")
    answered = reply.item()
    expect(
        answered.get("description") is None and answered.get("is_available") is True,
        f"{reply.request} should reset the fields it leaves out to their defaults "
        f"(description null, is_available true); it answered {shown(answered)}.",
    )
    _assert_stored(
        ctx,
        item["id"],
        {**body, "description": None, "is_available": True},
        reply.request,
    )


@check("put_requires_title_and_price")
def put_requires_title_and_price(ctx: Context) -> None:
    item = _create(ctx, FULL)
    path = f"{ITEMS}{item['id']}"
    for body in ({"title": "No price"}, {"price": 12.0}, {}):
        reply = ctx.api.put(path, json=body)
        reply.expect(422, why="because PUT needs a whole item (title and price are required)")
        _assert_stored(ctx, item["id"], FULL, f"the refused {reply.request}")


@check("put_validates_values")
def put_validates_values(ctx: Context) -> None:
    item = _create(ctx, FULL)
    path = f"{ITEMS}{item['id']}"
    for body in (
        {"title": "", "price": 10.0},
        {"title": "Lamp", "price": 0},
        {"title": "Lamp", "price": -3},
        {"title": "x" * 201, "price": 10.0},
        {"title": None, "price": 10.0},
        {"title": "Lamp", "price": None},
        {"title": "Lamp", "price": 10.0, "is_available": None},
    ):
        reply = ctx.api.put(path, json=body)
        reply.expect(422, why="because the body breaks the same rules as POST")
        _assert_stored(ctx, item["id"], FULL, f"the refused {reply.request}")


@check("put_unknown_item_is_404")
def put_unknown_item_is_404(ctx: Context) -> None:
    ctx.api.put(f"{ITEMS}987654", json=FULL).expect(404, why="because there is no item 987654")


@check("patch_stays_partial")
def patch_stays_partial(ctx: Context) -> None:
    item = _create(ctx, FULL)
    reply = ctx.api.patch(f"{ITEMS}{item['id']}", json={"price": 11.0}).expect(200)
    _assert_stored(ctx, item["id"], {**FULL, "price": 11.0}, reply.request)


@check("create_read_delete_still_work")
def create_read_delete_still_work(ctx: Context) -> None:
    item = _create(ctx, {"title": "Mug", "price": 4.5})
    path = f"{ITEMS}{item['id']}"
    ctx.api.get(path).expect(200)
    ctx.api.delete(path).expect(204)
    ctx.api.get(path).expect(404, why="after the item was deleted")
