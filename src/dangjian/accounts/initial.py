"""Initial passwords the platform draws for accounts opened in bulk (党员账号, decisions/0011).

An initial password is handed over on a printed slip, used once and replaced at the first
login (`must_change_password`). It is drawn by `secrets` from 56 unambiguous characters
(no I/l/1, O/o/0), 12 of them with an upper-case letter, a lower-case letter and a digit:
about 69 bits of entropy, and it meets the password policy by construction.

The hasher's work factor exists to slow the guessing of passwords people choose. A secret
of 69 random bits needs no such help: PBKDF2 at the default 1,000,000 iterations would
cost ~0.45 s per account (7.5 minutes for a 1,000-member unit), so an initial password is
hashed by the configured hasher at `INITIAL_ITERATIONS` instead. Django re-hashes it at full
strength on the first successful login (`must_update`), and the member replaces it at once.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher

UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
LOWER = "abcdefghijkmnpqrstuvwxyz"
DIGITS = "23456789"
ALPHABET = UPPER + LOWER + DIGITS
LENGTH = 12
# ≈ 10 more bits of work on top of the 69 random ones; ~0.5 ms per password.
INITIAL_ITERATIONS = 1000


def draw_password() -> str:
    """A fresh initial password: LENGTH characters of ALPHABET, every class present."""
    while True:
        candidate = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if (
            any(c in UPPER for c in candidate)
            and any(c in LOWER for c in candidate)
            and any(c in DIGITS for c in candidate)
        ):
            return candidate


def hash_initial(raw: str) -> str:
    """One hasher call: the configured hasher, at INITIAL_ITERATIONS when it is PBKDF2."""
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(raw, hasher.salt(), iterations=INITIAL_ITERATIONS)
    return hasher.encode(raw, hasher.salt())
