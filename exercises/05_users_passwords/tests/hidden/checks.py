"""Hidden checks of exercise 05 (users with hashed passwords). Never handed out.

Over HTTP, and afterwards on the files the app left in its folder: the grader reads the
SQLite database (and every other file) as bytes and with sqlite3, looking for the
passwords it sent. It never imports the submission's code.
"""

import base64
import hashlib
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from exercises.harness import ITEMS, Context, Failure, Reply, check, expect, shown

USERS = "/api/v1/users/"
# Unguessable, so that finding one in a file can only mean it was stored.
RUN = uuid.uuid4().hex[:10]
SECRET = f"Correct-Horse-{RUN}"
SHARED = f"Same-Password-{RUN}"
SECRET_WORDS = ("password", "hash", "salt")


def email(name: str) -> str:
    return f"{name}.{RUN}@example.com"


def create_user(ctx: Context, name: str, password: str = SECRET) -> dict[str, Any]:
    reply = ctx.api.post(USERS, json={"email": email(name), "password": password})
    reply.expect(201, why="with the new user")
    return reply.item()


def assert_discreet(reply: Reply, passwords: tuple[str, ...] = (SECRET, SHARED)) -> None:
    """No field named like a password, hash or salt, and no password, in the answer."""

    def keys(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [str(k) for k in value] + [k for v in value.values() for k in keys(v)]
        if isinstance(value, list):
            return [k for v in value for k in keys(v)]
        return []

    leaked = [key for key in keys(reply.json()) if any(w in key.lower() for w in SECRET_WORDS)]
    expect(
        not leaked,
        f"{reply.request} answered fields {leaked}: a response must never carry the "
        "password, its hash or its salt. Check the response_model (UserOut).",
    )
    for password in passwords:
        expect(
            password not in reply.response.text,
            f"{reply.request} answered a body that contains the password that was sent.",
        )


def user_rows(ctx: Context) -> tuple[str, list[dict[str, Any]]]:
    """(table name, rows) of the table in app.db that holds this run's emails."""
    path = ctx.project / "app.db"
    if not path.is_file():
        raise Failure(
            "The app's database file app.db was not found next to the app: keep "
            "SQLALCHEMY_DATABASE_URL = 'sqlite:///./app.db'."
        )
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        connection.row_factory = sqlite3.Row
        names = "SELECT name FROM sqlite_master WHERE type='table'"
        tables = [row[0] for row in connection.execute(names)]
        contents = {
            table: [dict(row) for row in connection.execute(f'SELECT * FROM "{table}"')]
            for table in tables
        }
    finally:
        connection.close()
    for table, rows in contents.items():
        if any(RUN in str(value) for row in rows for value in row.values()):
            return table, rows
    raise Failure(f"No table of app.db holds the users that POST {USERS} created ({tables}).")


def encodings(password: str) -> dict[str, bytes]:
    """The ways a password could sit in a file without being hashed with a salt."""
    raw = password.encode()
    return {
        "in plain text": raw,
        "in plain text (UTF-16)": password.encode("utf-16-le"),
        "in hexadecimal": raw.hex().encode(),
        "in base64": base64.b64encode(raw).rstrip(b"="),
        "as an unsalted MD5 hash": hashlib.md5(raw).hexdigest().encode(),
        "as an unsalted SHA-1 hash": hashlib.sha1(raw).hexdigest().encode(),
        "as an unsalted SHA-256 hash": hashlib.sha256(raw).hexdigest().encode(),
        "as an unsalted SHA-256 hash (raw bytes)": hashlib.sha256(raw).digest(),
    }


@check("create_user_answers_id_and_email")
def create_user_answers_id_and_email(ctx: Context) -> None:
    reply = ctx.api.post(USERS, json={"email": email("ada"), "password": SECRET})
    user = reply.expect(201, why="with the new user").item()
    expect(
        isinstance(user.get("id"), int) and user.get("email") == email("ada"),
        f"{reply.request} should answer the new user's id (a number) and email; it answered "
        f"{shown(user)}.",
    )


@check("responses_never_reveal_the_password")
def responses_never_reveal_the_password(ctx: Context) -> None:
    user = create_user(ctx, "grace")
    assert_discreet(ctx.api.post(USERS, json={"email": email("alan"), "password": SECRET}))
    assert_discreet(ctx.api.get(f"{USERS}{user['id']}").expect(200))
    assert_discreet(ctx.api.get(USERS, params={"limit": 100}).expect(200))


@check("database_holds_no_password")
def database_holds_no_password(ctx: Context) -> None:
    create_user(ctx, "edsger")
    user_rows(ctx)  # the users are in app.db, so scanning the folder means something
    for path in sorted(ctx.project.rglob("*")):
        if not path.is_file() or path.suffix == ".py":
            continue
        content = path.read_bytes()
        for how, needle in encodings(SECRET).items():
            expect(
                needle not in content,
                f"The file {path.relative_to(ctx.project)} holds a password sent to POST "
                f"{USERS} {how}. Store only a random salt and hashlib.scrypt(password, salt).",
            )


@check("passwords_are_salted")
def passwords_are_salted(ctx: Context) -> None:
    first = create_user(ctx, "barbara", SHARED)
    second = create_user(ctx, "donald", SHARED)
    _, rows = user_rows(ctx)
    by_email = {str(row.get("email")): row for row in rows if "email" in row}
    one, two = (by_email.get(email(name)) for name in ("barbara", "donald"))
    if one is None or two is None:
        raise Failure(f"The users table has no column `email` holding {email('barbara')}.")
    secrets = [
        {k: v for k, v in row.items() if k not in ("id", "email") and v not in (None, "")}
        for row in (one, two)
    ]
    expect(
        secrets[0] and secrets[1],
        f"The users table stores nothing but id and email for user {first['id']}: where is "
        "the password's hash?",
    )
    same = [key for key in secrets[0] if secrets[0][key] == secrets[1].get(key)]
    expect(
        not same,
        f"Users {first['id']} and {second['id']} have the same password, and the database "
        f"stores the same {same} for both: give every user a new random salt "
        "(secrets.token_bytes(16)) and store it with the hash.",
    )


@check("duplicate_email_is_409")
def duplicate_email_is_409(ctx: Context) -> None:
    create_user(ctx, "linus")
    reply = ctx.api.post(USERS, json={"email": email("linus"), "password": "Another-pass-1"})
    reply.expect(409, why="because a user with this email exists already")
    listed = ctx.api.get(USERS, params={"limit": 100}).expect(200).items()
    count = sum(1 for user in listed if user.get("email") == email("linus"))
    expect(
        count == 1,
        f"After the refused {reply.request}, GET {USERS} should list that email once; it "
        f"lists it {count} times.",
    )
    table, _ = user_rows(ctx)
    expect(
        email_is_unique_in(ctx.project / "app.db", table),
        f"POST {USERS} answered 409, but the table {table} of app.db has no UNIQUE index on "
        "its email column, so two requests at the same moment could both create the user. "
        "Declare the column with unique=True and let the commit's IntegrityError give the "
        "409.",
    )


def email_is_unique_in(database: Path, table: str) -> bool:
    """Whether a UNIQUE index (or constraint) of TABLE covers its email column alone."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        for index in connection.execute(f'PRAGMA index_list("{table}")').fetchall():
            name, unique = index[1], index[2]
            columns = [row[2] for row in connection.execute(f'PRAGMA index_info("{name}")')]
            if unique and columns == ["email"]:
                return True
        return False
    finally:
        connection.close()


@check("read_one_user_and_the_list")
def read_one_user_and_the_list(ctx: Context) -> None:
    made = [create_user(ctx, f"reader{number}") for number in range(3)]
    for user in made:
        reply = ctx.api.get(f"{USERS}{user['id']}").expect(200)
        expect(
            reply.item().get("email") == user["email"],
            f"{reply.request} should answer the user {shown(user)}; it answered "
            f"{shown(reply.item())}.",
        )
    ctx.api.get(f"{USERS}987654").expect(404, why="because there is no user 987654")
    listed = ctx.api.get(USERS, params={"limit": 100}).expect(200).items()
    missing = [user["id"] for user in made if user["id"] not in {u.get("id") for u in listed}]
    expect(not missing, f"GET {USERS}?limit=100 does not list the users {missing}.")
    ids = [user.get("id") for user in listed]
    numbers = [user_id for user_id in ids if isinstance(user_id, int)]
    expect(
        numbers == sorted(numbers),
        f"GET {USERS}?limit=100 should list the users in id order; it listed the ids {ids}. "
        "What to check: .order_by(models.User.id) in the query.",
    )


@check("invalid_user_is_422")
def invalid_user_is_422(ctx: Context) -> None:
    for body in (
        {"email": email("nopass")},
        {"password": SECRET},
        {"email": email("short"), "password": "seven77"},
        {"email": "not-an-email", "password": SECRET},
    ):
        ctx.api.post(USERS, json=body).expect(
            422, why="(an email and a password of 8 characters or more are required)"
        )


@check("items_still_work")
def items_still_work(ctx: Context) -> None:
    item = ctx.api.post(ITEMS, json={"title": "Mug", "price": 4.5}).expect(201).item()
    path = f"{ITEMS}{item['id']}"
    ctx.api.get(path).expect(200)
    ctx.api.delete(path).expect(204)
    ctx.api.get(path).expect(404, why="after the item was deleted")
