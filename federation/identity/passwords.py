"""Password hashing with argon2id (argon2-cffi), with OWASP's recommended parameters.

m=19 MiB, t=2, p=1. RFC 9106's second option (64 MiB, t=3, p=4) took 236 ms a hash on our 2-vCPU
machine against 35 ms for these (docs/BENCHMARKS.md): on a small server that slowness turns every
login into a lever for denial of service, while 19 MiB already keeps GPU guessing expensive.
Hashes made with other parameters are recognised (``needs_rehash``) and replaced at the next
successful login, so the parameters can be raised later without a migration.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from hub.core.errors import InvalidInput

HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
MIN_LENGTH = 10
# Verifying against this when the account does not exist costs the same time as a real check,
# so the response time does not tell whether an email is registered.
_DUMMY_HASH = HASHER.hash("lpse-hub timing equaliser")


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_LENGTH} characters", field="password")


def hash_password(password: str) -> str:
    check_strength(password)
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)
