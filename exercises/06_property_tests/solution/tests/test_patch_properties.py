"""Exercise 6 — property tests of PATCH /api/v1/items/{id} (reference solution)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app.database import Base, get_db
from app.main import app

ITEMS = "/api/v1/items/"
STORED = {"title": "Desk lamp", "description": "warm", "price": 35.0, "is_available": True}

valid_fields: dict[str, st.SearchStrategy[Any]] = {
    "title": st.text(min_size=1, max_size=200),
    "description": st.none() | st.text(max_size=50),
    "price": st.floats(min_value=0.01, max_value=1e6, allow_nan=False),
    "is_available": st.booleans(),
}
invalid_fields: dict[str, st.SearchStrategy[Any]] = {
    "title": st.sampled_from([None, "", "x" * 201]),
    "price": st.sampled_from([None, 0, -1.5]),
    "is_available": st.sampled_from([None, "maybe"]),
}


# Each example creates a database and sends HTTP requests: on a busy machine one can take
# longer than Hypothesis's default limit of 200 ms, which would fail a correct app.
no_time_limit = settings(deadline=None)


@contextmanager
def fresh_client() -> Iterator[TestClient]:
    """A client for the app, talking to a new empty database."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    Base.metadata.create_all(engine)
    make_session = sessionmaker(bind=engine, autoflush=False)

    def test_db() -> Iterator[Session]:
        db = make_session()
        try:
            yield db
        finally:
            db.close()

    app.dependency_overrides[get_db] = test_db
    try:
        # No `with`: the app's start-up would create ./app.db. raise_server_exceptions=False:
        # a crash comes back as a 500 answer, as any client would see it, so a test finds
        # a bug only by checking the answer (its status, its body), never by luck.
        yield TestClient(app, raise_server_exceptions=False)
    finally:
        app.dependency_overrides.clear()
        engine.dispose()


def create(client: TestClient, body: dict[str, Any] = STORED) -> dict[str, Any]:
    response = client.post(ITEMS, json=body)
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


# @example cases always run, before the generated ones: the edge cases a small budget of
# random examples could miss.
@no_time_limit
@given(body=st.fixed_dictionaries({}, optional=valid_fields))
@example(body={"description": None})
@example(body={"is_available": False})
def test_patch_changes_exactly_the_fields_sent(body: dict[str, Any]) -> None:
    with fresh_client() as client:
        item = create(client)
        response = client.patch(f"{ITEMS}{item['id']}", json=body)
        assert response.status_code == 200, response.text
        expected = {**item, **body}
        assert response.json() == expected
        assert client.get(f"{ITEMS}{item['id']}").json() == expected


invalid_bodies = st.sampled_from(sorted(invalid_fields)).flatmap(
    lambda field: st.builds(lambda value: {field: value}, invalid_fields[field])
)


@no_time_limit
@given(body=invalid_bodies)
@example(body={"title": None})
@example(body={"title": ""})
@example(body={"price": 0})
@example(body={"is_available": None})
def test_an_invalid_field_is_a_422_that_changes_nothing(body: dict[str, Any]) -> None:
    with fresh_client() as client:
        item = create(client)
        response = client.patch(f"{ITEMS}{item['id']}", json=body)
        assert response.status_code == 422, f"{body} -> {response.status_code}"
        assert client.get(f"{ITEMS}{item['id']}").json() == item


@no_time_limit
@given(body=st.fixed_dictionaries({}, optional=valid_fields))
def test_patch_on_a_missing_id_is_a_404(body: dict[str, Any]) -> None:
    with fresh_client() as client:
        assert client.patch(f"{ITEMS}12345", json=body).status_code == 404


@no_time_limit
@given(count=st.integers(0, 8), skip=st.integers(0, 10), limit=st.integers(1, 10))
def test_the_list_pages_with_skip_and_limit(count: int, skip: int, limit: int) -> None:
    with fresh_client() as client:
        ids = [create(client)["id"] for _ in range(count)]
        listed = client.get(ITEMS, params={"skip": skip, "limit": limit}).json()
        assert sorted(entry["id"] for entry in listed) == ids[skip : skip + limit]
