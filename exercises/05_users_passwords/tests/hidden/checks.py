"""Hidden checks of exercise 05 (users with hashed passwords). Never handed out.

Over HTTP, and afterwards on the files the app left in its folder: the grader reads the
SQLite database (a private copy of it) with sqlite3, and every other regular file as
bytes, looking for the passwords it sent. What it reads is bounded (so many rows, so many
bytes per user, per file and in all), and a file it will not read (a link, a FIFO, a file
too large) fails the check that needed it: a password could hide there. Every search is
linear in what it reads. It never imports the submission's code.
"""

import base64
import binascii
import contextlib
import hashlib
import hmac
import re
import sqlite3
import uuid
from typing import Any

from exercises.harness import ITEMS, Context, Failure, Reply, check, expect, shown

USERS = "/api/v1/users/"
# Unguessable, so that finding one in a file can only mean it was stored.
RUN = uuid.uuid4().hex[:10]
SECRET = f"Correct-Horse-{RUN}"
SHARED = f"Same-Password-{RUN}"
SECRET_WORDS = ("password", "hash", "salt")
# What the grader reads of app.db: rows per table, tables, and bytes stored for one user.
MAX_ROWS = 1000
MAX_TABLES = 50
MAX_USER_BYTES = 16 * 1024
MAX_SECRETS = 256  # stored values compared with every answer


def email(name: str) -> str:
    return f"{name}.{RUN}@example.com"


def create_user(ctx: Context, name: str, password: str = SECRET) -> dict[str, Any]:
    reply = ctx.api.post(USERS, json={"email": email(name), "password": password})
    reply.expect(201, why="with the new user")
    return reply.item()


def assert_discreet(
    reply: Reply, passwords: tuple[str, ...] = (SECRET, SHARED), stored: tuple[str, ...] = ()
) -> None:
    """No field named like a password, hash or salt, no password and no stored salt or hash
    (STORED: their text forms, read from app.db), in the answer."""

    def keys(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [str(k) for k in value] + [k for v in value.values() for k in keys(v)]
        if isinstance(value, list):
            return [k for v in value for k in keys(v)]
        return []

    try:
        body = reply.response.json()
    except ValueError:
        body = None
    leaked = [key for key in keys(body) if any(w in key.lower() for w in SECRET_WORDS)]
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
    # A refused POST's salt and hash are never stored, but an error detail made of the
    # database's exception text carries them: no answer needs a long hexadecimal string.
    expect(
        not re.search(r"[0-9a-fA-F]{32,}", reply.response.text),
        f"{reply.request} answered a body holding a long hexadecimal string, like a salt or "
        "a hash: no answer may carry them (not even an error's detail).",
    )
    for value in stored:
        expect(
            value not in reply.response.text,
            f"{reply.request} answered a body that contains the salt or the hash the database "
            "stores for a user: no answer may carry them (not even an error's detail).",
        )


def stored_secrets(ctx: Context) -> tuple[str, ...]:
    """The text forms of what app.db stores for this run's users besides id and email."""
    _, rows, extra = user_tables(ctx)
    found: set[str] = set()
    for row in rows:
        if RUN not in str(row.get("email")):
            continue
        values = [v for k, v in row.items() if k not in ("id", "email")]
        values += list(extra.get(row.get("id"), {}).values())
        for value in values:
            if isinstance(value, bytes):
                texts = [value.hex(), base64.b64encode(value).decode().rstrip("=")]
            elif isinstance(value, str):
                texts = [value, *re.split(r"[^0-9A-Za-z+/_-]+", value)]
            else:
                continue
            address = str(row.get("email")).lower()  # an email_lower column is no secret
            found.update(t for t in texts if len(t) >= 16 and t.lower() not in address)
    # Each is searched for in each answer: bounded, and never silently cut short.
    expect(
        len(found) <= MAX_SECRETS,
        f"app.db stores {len(found)} long values for the users of this grading; the grader "
        f"compares at most {MAX_SECRETS} with the answers. Store a salt and a hash per user.",
    )
    return tuple(sorted(found))


def user_rows(ctx: Context) -> tuple[str, list[dict[str, Any]]]:
    """(table name, rows) of the table in app.db that holds this run's emails."""
    table, rows, _ = user_tables(ctx)
    return table, rows


def user_tables(
    ctx: Context,
) -> tuple[str, list[dict[str, Any]], dict[Any, dict[str, Any]]]:
    """(table name, rows) of the table in app.db that holds this run's emails, and by user
    id the columns of the rows of other tables whose foreign key points at that table (a
    separate table of credentials)."""
    connection = connect(ctx)
    try:
        connection.row_factory = sqlite3.Row
        names = f"SELECT name FROM sqlite_master WHERE type='table' LIMIT {MAX_TABLES}"
        tables = [row[0] for row in connection.execute(names)]
        contents = {
            table: [
                dict(row) for row in connection.execute(f'SELECT * FROM "{table}" LIMIT {MAX_ROWS}')
            ]
            for table in tables
        }
        keys = {
            table: [tuple(fk) for fk in connection.execute(f'PRAGMA foreign_key_list("{table}")')]
            for table in tables
        }
    finally:
        connection.close()
    for table, rows in contents.items():
        if any(RUN in str(value) for row in rows for value in row.values()):
            extra: dict[Any, dict[str, Any]] = {}
            for other, foreign_keys in keys.items():
                for fk in foreign_keys:  # (id, seq, table, from, to, ...)
                    if fk[2] != table or other == table:
                        continue
                    target = fk[4] or "id"
                    by_key = {row.get(target): row.get("id") for row in rows}
                    for row in contents[other]:
                        user_id = by_key.get(row.get(fk[3]))
                        if user_id is None:
                            continue
                        extra.setdefault(user_id, {}).update(
                            {f"{other}.{k}": v for k, v in row.items() if k not in ("id", fk[3])}
                        )
            for row in rows:
                size = stored_size({**row, **extra.get(row.get("id"), {})})
                expect(
                    size <= MAX_USER_BYTES,
                    f"app.db stores {size} bytes for the user {shown(row.get('email'))}; a "
                    "salt and a hash take about a hundred, and the grader reads at most "
                    f"{MAX_USER_BYTES // 1024} KB per user. Store the email, a random salt "
                    "and the scrypt hash, nothing more.",
                )
            return table, rows, extra
    raise Failure(f"No table of app.db holds the users that POST {USERS} created ({tables}).")


def connect(ctx: Context) -> sqlite3.Connection:
    """A connection to a private copy of app.db (never to the project's file itself)."""
    copy = ctx.database_copy("app.db")
    if copy is None:
        raise Failure(
            "The app's database file app.db was not found next to the app: keep "
            "SQLALCHEMY_DATABASE_URL = 'sqlite:///./app.db'."
        )
    return sqlite3.connect(copy)


def stored_size(row: dict[str, Any]) -> int:
    """How many bytes the values of ROW take, as text."""
    return sum(len(v) if isinstance(v, bytes) else len(str(v).encode()) for v in row.values())


FAST_HASHES = (
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha3_256",
    "sha3_512",
    "blake2b",
    "blake2s",
)


def digest_forms(digest: bytes) -> dict[str, bytes]:
    """The ways a digest is usually written down: hex (both cases), base64, raw bytes."""
    return {
        "in hexadecimal": digest.hex().encode(),
        "in upper-case hexadecimal": digest.hex().upper().encode(),
        "in base64": base64.b64encode(digest).rstrip(b"="),
        "in URL-safe base64": base64.urlsafe_b64encode(digest).rstrip(b"="),
        "as raw bytes": digest,
    }


def encodings(password: str) -> dict[str, bytes]:
    """The ways a password could sit in a file without being hashed with a salt."""
    raw = password.encode()
    found = {
        "in plain text": raw,
        "in plain text (UTF-16)": password.encode("utf-16-le"),
        "in hexadecimal": raw.hex().encode(),
        "in base64": base64.b64encode(raw).rstrip(b"="),
    }
    for name in FAST_HASHES:
        for how, form in digest_forms(hashlib.new(name, raw).digest()).items():
            found[f"as an unsalted {name.upper()} hash ({how})"] = form
    return found


def salt_candidates(row: dict[str, Any]) -> list[bytes]:
    """What a submission may have used as the salt of ROW: each stored value, decoded."""
    found: list[bytes] = []
    for key, value in row.items():
        if key == "id" or value is None or isinstance(value, (int, float)):
            continue
        raw = value if isinstance(value, bytes) else str(value).encode()
        found.append(raw)
        for piece in re.split(rb"[$:.]", raw):
            found.append(piece)
            for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
                with contextlib.suppress(ValueError, binascii.Error, UnicodeDecodeError):
                    found.append(decode(piece.decode()))  # not every piece is in that code
    return [salt for salt in dict.fromkeys(found) if salt]


def fast_salted_hash(row: dict[str, Any], password: str) -> str | None:
    """The name of a fast hash of PASSWORD with one of ROW's values that ROW stores, if any.

    Linear in what ROW stores: every stretch of it that has the length of some written
    form of a digest goes into one set, and each digest's forms are looked up there (a
    search of the whole row for each candidate salt would be quadratic)."""
    raw = password.encode()
    stored = b"\0".join(
        value if isinstance(value, bytes) else str(value).encode() for value in row.values()
    )
    found: dict[bytes, str] = {}
    for salt in salt_candidates(row):
        for name in FAST_HASHES:
            digests = [
                hashlib.new(name, salt + raw).digest(),
                hashlib.new(name, raw + salt).digest(),
                hmac.new(salt, raw, name).digest(),
            ]
            for digest in digests:
                for form in digest_forms(digest).values():
                    found.setdefault(form, name.upper())
    lengths = {len(form) for form in found}
    for length in sorted(lengths):
        for start in range(len(stored) - length + 1):
            hashed = found.get(stored[start : start + length])
            if hashed is not None:
                return hashed
    return None


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
    replies = [
        ctx.api.post(USERS, json={"email": email("alan"), "password": SECRET}),
        ctx.api.post(USERS, json={"email": email("grace"), "password": SHARED}),  # taken
        ctx.api.get(f"{USERS}{user['id']}").expect(200),
        ctx.api.get(USERS, params={"limit": 100}).expect(200),
    ]
    stored = stored_secrets(ctx)
    for reply in replies:
        assert_discreet(reply, stored=stored)


@check("database_holds_no_password")
def database_holds_no_password(ctx: Context) -> None:
    create_user(ctx, "edsger")
    # The users are in app.db (user_tables fails otherwise): scanning the folder means something.
    _, rows, extra = user_tables(ctx)
    for row in rows:
        if row.get("email") == email("edsger"):
            whole = {**row, **extra.get(row.get("id"), {})}
            fast = fast_salted_hash(whole, SECRET)
            expect(
                fast is None,
                f"app.db stores a {fast} hash of the password with its salt (or its email): "
                "such hashes are fast to compute, so a stolen database can be brute-forced. "
                "Store hashlib.scrypt(password, salt), slow on purpose.",
            )
    scan = ctx.project_files()
    expect(
        not scan.refused,
        "The grader could not look for the passwords in everything the app left in its "
        f"folder: {'; '.join(scan.refused[:5])}. It reads only regular files of a few MB, "
        "so a password could hide there. Keep app.db (and any log) a plain file.",
    )
    for relative, content in scan.files:
        if relative.endswith(".py"):
            continue
        for how, needle in encodings(SECRET).items():
            expect(
                needle not in content,
                f"The file {relative} holds a password sent to POST "
                f"{USERS} {how}. Store only a random salt and hashlib.scrypt(password, salt).",
            )


@check("passwords_are_salted")
def passwords_are_salted(ctx: Context) -> None:
    first = create_user(ctx, "barbara", SHARED)
    create_user(ctx, "ken", SECRET)  # another password, created in between
    second = create_user(ctx, "donald", SHARED)
    _, rows, extra = user_tables(ctx)
    by_email = {str(row.get("email")): row for row in rows if "email" in row}
    one, other, two = (by_email.get(email(name)) for name in ("barbara", "ken", "donald"))
    if one is None or two is None or other is None:
        raise Failure(f"The users table has no column `email` holding {email('barbara')}.")
    secrets = [
        {
            k: v
            for k, v in {**row, **extra.get(row.get("id"), {})}.items()
            if k not in ("id", "email") and v not in (None, "")
        }
        for row in (one, two, other)
    ]
    expect(
        secrets[0] and secrets[1],
        f"The users table stores nothing but id and email for user {first['id']}: where is "
        "the password's hash?",
    )
    # A column equal for all three users (is_active, created_at, the scrypt parameters) does
    # not depend on the password; one equal for the two users with the same password does.
    same = [
        key
        for key in secrets[0]
        if secrets[0][key] == secrets[1].get(key) and secrets[0][key] != secrets[2].get(key)
    ]
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
        email_is_unique_in(ctx, table),
        f"POST {USERS} answered 409, but the table {table} of app.db has no UNIQUE index on "
        "its email column, so two requests at the same moment could both create the user. "
        "Declare the column with unique=True and let the commit's IntegrityError give the "
        "409.",
    )


def email_is_unique_in(ctx: Context, table: str) -> bool:
    """Whether a UNIQUE index (or constraint) of TABLE covers its email column alone."""
    connection = connect(ctx)
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
    page = ctx.api.get(USERS, params={"skip": 1, "limit": 1}).expect(200).items()
    expect(
        [user.get("id") for user in page] == ids[1:2],
        f"GET {USERS}?skip=1&limit=1 should list only the second user (id {ids[1:2]}); it "
        f"listed the ids {[user.get('id') for user in page]}.",
    )


@check("invalid_user_is_422")
def invalid_user_is_422(ctx: Context) -> None:
    for body in (
        {"email": email("nopass")},
        {"password": SECRET},
        {"email": email("short"), "password": "seven77"},
        {"email": "not-an-email", "password": SECRET},
        {"email": f"nodomain.{RUN}@", "password": SECRET},
        {"email": f"@{RUN}.example.com", "password": SECRET},
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
