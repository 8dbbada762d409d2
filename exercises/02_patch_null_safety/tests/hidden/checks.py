"""Hidden checks of exercise 02 (PATCH null safety). Never handed out.

Two of them are Hypothesis properties run over HTTP against the learner's server. They are
derandomized, so a submission gets the same grade every time it is graded.
"""

from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from exercises.harness import ITEMS, Context, Failure, check, expect, shown

STORED = {"title": "Desk lamp", "description": "warm", "price": 35.0, "is_available": True}
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)

valid_title = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=200
)
valid_fields: dict[str, st.SearchStrategy[Any]] = {
    "title": valid_title,
    "description": st.none() | st.text(max_size=50),
    "price": st.floats(min_value=0.01, max_value=1e6, allow_nan=False),
    "is_available": st.booleans(),
}
INVALID: dict[str, list[Any]] = {
    "title": [None, "", "x" * 201, 12, ["a"]],
    "price": [None, 0, -0.5, -100, "cheap", [1]],
    "is_available": [None, "maybe", [True], {"a": 1}],
}
invalid_fields = {field: st.sampled_from(values) for field, values in INVALID.items()}
# 25 derandomized examples do not draw every value above: each is also sent alone.
EVERY_INVALID: list[dict[str, Any]] = [
    {field: value} for field, values in INVALID.items() for value in values
]
# The edges of the valid range, which the strategies almost never draw.
EDGES: list[dict[str, Any]] = [
    {"title": "x" * 200},
    {"title": "x"},
    {"price": 0.001},
    {"price": 1e-9},
]


def with_examples(bodies: list[dict[str, Any]]) -> Any:
    """Hypothesis's @example(body=...) for each of BODIES."""

    def apply(test: Any) -> Any:
        for body in reversed(bodies):
            test = example(body=body)(test)
        return test

    return apply


@st.composite
def invalid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A PATCH body with at least one invalid field, maybe alongside valid ones."""
    bad = draw(st.sampled_from(sorted(invalid_fields)))
    body = draw(st.fixed_dictionaries({}, optional=valid_fields))
    body[bad] = draw(invalid_fields[bad])
    return body


def _create(ctx: Context) -> tuple[str, dict[str, Any]]:
    item = ctx.api.post(ITEMS, json=STORED).expect(201).item()
    return f"{ITEMS}{item['id']}", item


def _unchanged(ctx: Context, path: str, before: dict[str, Any], after: str) -> None:
    now = ctx.api.get(path).expect(200, why=f"after {after}").item()
    changed = {key: now.get(key) for key in STORED if now.get(key) != before.get(key)}
    expect(
        not changed,
        f"After {after}, GET {path} should show the item unchanged; "
        f"these fields changed: {shown(changed)}.",
    )


def _refused(ctx: Context, body: dict[str, Any], why: str) -> None:
    path, before = _create(ctx)
    reply = ctx.api.patch(path, json=body).expect(422, why=why)
    _unchanged(ctx, path, before, f"the refused {reply.request}")


@check("null_title_is_422")
def null_title_is_422(ctx: Context) -> None:
    _refused(ctx, {"title": None}, "because an item must keep a title")


@check("null_price_is_422")
def null_price_is_422(ctx: Context) -> None:
    _refused(ctx, {"price": None}, "because an item must keep a price")


@check("null_is_available_is_422")
def null_is_available_is_422(ctx: Context) -> None:
    _refused(ctx, {"is_available": None}, "because availability is true or false, not null")


@check("empty_or_long_title_is_422")
def empty_or_long_title_is_422(ctx: Context) -> None:
    _refused(ctx, {"title": ""}, "because a title has at least 1 character")
    _refused(ctx, {"title": "x" * 201}, "because a title has at most 200 characters")


@check("any_invalid_patch_is_422")
def any_invalid_patch_is_422(ctx: Context) -> None:
    @PROPERTY
    @with_examples(EVERY_INVALID)
    @given(body=invalid_bodies())
    def prop(body: dict[str, Any]) -> None:
        # A fresh item each time: an item an earlier example spoiled would make a later
        # (shrunk) example fail for a reason it does not show.
        path, before = _create(ctx)
        reply = ctx.api.patch(path, json=body).expect(422, why="because a field is invalid")
        _unchanged(ctx, path, before, f"the refused {reply.request}")

    prop()


@check("any_valid_patch_applies")
def any_valid_patch_applies(ctx: Context) -> None:
    @PROPERTY
    @with_examples(EDGES)
    @given(body=st.fixed_dictionaries({}, optional=valid_fields))
    def prop(body: dict[str, Any]) -> None:
        path, before = _create(ctx)
        reply = ctx.api.patch(path, json=body).expect(200, why="because every field is valid")
        expected = {**{key: before.get(key) for key in STORED}, **body}
        now = ctx.api.get(path).expect(200).item()
        wrong = {key: now.get(key) for key in STORED if now.get(key) != expected[key]}
        if wrong:
            raise Failure(
                f"After {reply.request}, GET {path} should show {shown(expected)}; "
                f"these fields differ: {shown(wrong)}."
            )

    prop()


@check("description_null_is_allowed")
def description_null_is_allowed(ctx: Context) -> None:
    path, before = _create(ctx)
    reply = ctx.api.patch(path, json={"description": None})
    reply.expect(200, why="because description is optional and may be cleared")
    now = ctx.api.get(path).expect(200).item()
    expect(
        now.get("description") is None and now.get("title") == before.get("title"),
        f"After {reply.request}, GET {path} should show description null and the rest "
        f"unchanged; it showed {shown(now)}.",
    )


@check("unknown_item_is_404")
def unknown_item_is_404(ctx: Context) -> None:
    ctx.api.patch(f"{ITEMS}987654", json={"price": 3.0}).expect(404)
