"""The hasher for passwords Kaohe generates (`kaohe.accounts.users.random_password`): 14 characters
from 57 letters and digits, some 81 bits of chance. The iterations of PBKDF2 protect passwords a
person chose, which an attacker with the hashes can guess; a generated one cannot be guessed at any
speed, so 1,000 iterations protect it as well as Django's million do, and cost a millisecond
instead of a second — what lets the office import a few hundred accounts in one request. At the
user's first log-in Django re-hashes the password with the default hasher (the preferred one of
PASSWORD_HASHERS; `check_password`'s update), and a password the user or the office types always
uses the default.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hashers_by_algorithm, make_password


class GeneratedPasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_generated"
    iterations = 1_000


def hash_generated(password: str) -> str:
    """A generated password's hash: with GeneratedPasswordHasher when the settings list it (the
    tests use one fast hasher for everything), else the default."""
    if GeneratedPasswordHasher.algorithm in get_hashers_by_algorithm():
        return make_password(password, hasher=GeneratedPasswordHasher.algorithm)
    return make_password(password)
