"""Password hashing with scrypt: only a random salt and the derived key are ever stored."""

import hashlib
import hmac
import secrets

# scrypt's cost parameters: 16 MiB of memory and a few tens of ms per hash, on purpose, so
# that guessing passwords from a stolen database is slow.
N, R, P, KEY_BYTES = 2**14, 8, 1, 64


def hash_password(password: str, salt: bytes | None = None) -> tuple[str, str]:
    """(salt, hash) as hex strings; a new random salt unless one is given."""
    salt = secrets.token_bytes(16) if salt is None else salt
    key = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=KEY_BYTES)
    return salt.hex(), key.hex()


def verify_password(password: str, salt: str, stored_hash: str) -> bool:
    """True when PASSWORD hashes, with the stored salt, to the stored hash."""
    _, candidate = hash_password(password, bytes.fromhex(salt))
    return hmac.compare_digest(candidate, stored_hash)
