"""Public tests of exercise 05: run them with `pytest tests/public` from your project."""

import httpx

USERS = "/api/v1/users/"


def test_a_new_user_is_answered_without_its_password(client: httpx.Client) -> None:
    response = client.post(USERS, json={"email": "ada@example.com", "password": "Analytical-1"})
    assert response.status_code == 201, f"POST answered {response.status_code}: {response.text}"
    user = response.json()
    assert set(user) == {"id", "email"}, f"answer only id and email, not {sorted(user)}"
    assert "Analytical-1" not in response.text


def test_the_same_email_twice_is_a_409(client: httpx.Client) -> None:
    body = {"email": "grace@example.com", "password": "Compiler-1952"}
    assert client.post(USERS, json=body).status_code == 201
    assert client.post(USERS, json=body).status_code == 409, "a second user with that email"


def test_a_user_can_be_read_back(client: httpx.Client) -> None:
    body = {"email": "alan@example.com", "password": "Enigma-1941"}
    user = client.post(USERS, json=body).json()
    response = client.get(f"{USERS}{user['id']}")
    assert response.status_code == 200
    assert response.json() == user
