"""Public ids, secret tokens and their digests.

Everything random comes from `secrets`: ids and tokens must not be guessable.
"""

from __future__ import annotations

import hashlib
import secrets
import string

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_conversation_public_id() -> str:
    """A Polis-style conversation id: a digit and nine lowercase letters or digits (3phdex2kjf)."""
    return secrets.choice(string.digits) + "".join(secrets.choice(_ID_ALPHABET) for _ in range(9))


def is_conversation_public_id(value: str) -> bool:
    return (
        len(value) == 10
        and value[0] in string.digits
        and all(character in _ID_ALPHABET for character in value[1:])
    )


def new_invite_code() -> str:
    """Twelve lowercase letters and digits: short enough for a QR code or to read out, ~62 bits."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def new_secret_token() -> str:
    """A bearer token of 256 random bits, shown once to its holder, then kept only as a digest."""
    return secrets.token_urlsafe(32)


def new_embedding_secret() -> str:
    """A conversation's embedding secret: 256 random bits that the embedding site keys its
    HMAC-SHA256 signatures of xids with (deliberation.services.embedding)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 of a token. Tokens carry 256 random bits, so a fast unsalted hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_math_seed() -> int:
    """The seed of a conversation's random math steps, stored so results can be reproduced."""
    return secrets.randbits(31)
