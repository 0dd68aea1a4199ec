"""Proving an xid: the embedding site signs who it says a visitor is.

An xid is another site's claim about who someone is, and whoever holds a participant's xid
could otherwise join as them, read their votes and change them. So Mesa believes an xid only
with the embedding site's signature: HMAC-SHA256 under the conversation's embedding secret
(`Conversation.embed_secret`, which only the owner sees and can rotate) over

    "<conversation id>\\n<expiry, Unix seconds>\\n<xid>"

as lowercase hex. The site signs on its own server whenever it renders the page that embeds
Mesa, so the signature is short-lived; its expiry may lie at most `MESA_XID_SIGNATURE_MAX_AGE`
seconds ahead (the app's config; 86400 by default), so a copied link stops working.

Every check happens before anything is looked up by the xid, and an unproven xid is refused
the same way whether or not anyone has it: joins cannot be used to enumerate xids.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from flask import current_app, has_app_context

from deliberation.db import unit_of_work
from deliberation.errors import Forbidden
from deliberation.identifiers import new_embedding_secret
from deliberation.models import Conversation
from deliberation.services.audit import record_audit
from deliberation.services.authorization import OWNER_ONLY, require_role
from deliberation.services.lookup import find_conversation

MAX_AGE_KEY = "MESA_XID_SIGNATURE_MAX_AGE"
# A day: long enough for a page left open through a meeting, short enough that a signed link
# copied out of a page or a log is soon worthless.
DEFAULT_MAX_AGE_S = 24 * 60 * 60
_HEX_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
_EXPIRY = re.compile(r"^[0-9]{1,12}$")


def xid_signature(secret: str, conversation_id: str, xid: str, expires: int) -> str:
    """What the embedding site sends as `xid_signature` (the README shows it in Python and JS)."""
    message = f"{conversation_id}\n{expires}\n{xid}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_max_age() -> int:
    """How far ahead a signature's expiry may lie, in seconds (the app's config; web.settings)."""
    value = current_app.config.get(MAX_AGE_KEY) if has_app_context() else None
    try:
        seconds = int(value) if value not in (None, "") else DEFAULT_MAX_AGE_S
    except (TypeError, ValueError):
        raise ValueError(f"{MAX_AGE_KEY} must be a whole number of seconds") from None
    return max(seconds, 1)


def require_proven_xid(
    conversation: Conversation,
    xid: str,
    expires: int | str | None,
    signature: str | None,
    *,
    now: float | None = None,
) -> None:
    """Refuse (403) an xid that the conversation's embedding site did not sign, or whose
    signature has expired or was made to last longer than the deployment allows."""
    if expires is None or expires == "" or not signature:
        raise Forbidden(
            "an xid must come with the embedding site's xid_expires and xid_signature",
            code="xid_unsigned",
        )
    expires_text = str(expires).strip()
    signature = signature.strip().lower()
    if (
        isinstance(expires, bool)
        or not _EXPIRY.match(expires_text)
        or not _HEX_SIGNATURE.match(signature)
    ):
        raise Forbidden("the xid's signature is not valid", code="xid_signature_invalid")
    expected = xid_signature(
        conversation.embed_secret, conversation.public_id, xid, int(expires_text)
    )
    if not hmac.compare_digest(expected, signature):
        raise Forbidden("the xid's signature is not valid", code="xid_signature_invalid")
    now = time.time() if now is None else now
    if int(expires_text) < now:
        raise Forbidden("the xid's signature has expired", code="xid_signature_expired")
    if int(expires_text) > now + signature_max_age():
        raise Forbidden(
            f"an xid signature may expire at most {signature_max_age()} s ahead",
            code="xid_signature_too_long",
        )


def embedding_secret(facilitator_id: int, conversation_id: str) -> str:
    """The secret the embedding site signs xids with; owners only, since it admits anyone."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, OWNER_ONLY)
    return conversation.embed_secret


def rotate_embedding_secret(facilitator_id: int, conversation_id: str) -> str:
    """A new embedding secret (owners only, audit-logged). Signatures made with the old one
    stop working at once; participants already joined keep their tokens and votes."""
    with unit_of_work():
        conversation = find_conversation(conversation_id, lock=True)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        conversation.embed_secret = new_embedding_secret()
        record_audit(conversation, facilitator_id, "embed_secret.rotate", {})
    return conversation.embed_secret
