"""Joining a conversation and recognising a participant's device again."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Conflict, Forbidden, Invalid
from deliberation.identifiers import new_secret_token, token_digest
from deliberation.models import AccessMode, Conversation, InviteCode, Participant, XidAllow
from deliberation.services.access import MAX_XID_LENGTH, check_sector, normalise_invite_code
from deliberation.services.embedding import require_proven_xid
from deliberation.services.lookup import (
    allocate_number,
    find_conversation,
    find_participant,
    require_open,
)


@dataclass(frozen=True)
class JoinedParticipant:
    """What the participant's device keeps. `token` is shown only now: we store its digest."""

    conversation_id: str
    pid: int
    token: str
    sector: str | None
    is_returning: bool


def join_conversation(
    conversation_id: str,
    *,
    xid: str | None = None,
    xid_expires: int | str | None = None,
    xid_signature: str | None = None,
    invite_code: str | None = None,
    sector: str | None = None,
) -> JoinedParticipant:
    """Admit someone as a new anonymous participant, or recognise a returning xid.

    An xid counts only with the embedding site's signature (`xid_expires`, `xid_signature`;
    deliberation.services.embedding), checked before anything is looked up by it. The
    conversation's access mode then decides what else is needed: nothing (link), a valid invite
    code (invite), or an allow-listed xid. An invite code works in every mode: given, it must be
    this conversation's, its sector (if any) becomes the participant's, and its use is counted
    once per participant it admits (a returning xid is not counted again).

    A returning xid gets a fresh token for the same pid, and the token of the device it used
    before stops working: one device at a time per person. The site vouched for this person,
    so they may move to a new phone; had both devices kept working, a signed link that leaked
    would let someone else read and change their votes unseen, while this way the person's own
    device is signed out and asks them to start again, which shows that something happened.
    """
    xid = _clean_xid(xid)
    with unit_of_work() as session:
        # Locked so that two joins with one new xid cannot both create a participant.
        conversation = find_conversation(conversation_id, lock=True)
        if xid is not None:
            require_proven_xid(conversation, xid, xid_expires, xid_signature)
        require_open(conversation)
        if conversation.access_mode is AccessMode.XID:
            _require_allowed_xid(conversation, xid)
        invite_code = normalise_invite_code(invite_code)
        if invite_code is None and conversation.access_mode is AccessMode.INVITE:
            raise Forbidden("this conversation needs a valid invite code", code="invite_invalid")

        token = new_secret_token()
        returning = _participant_with_xid(conversation, xid) if xid else None
        if returning is not None:
            # Already admitted (and counted, if a code admitted them): a code is still checked
            # where the mode needs one, but counts again only if it gives them their sector.
            if invite_code is not None:
                invite = _invite_of(conversation, invite_code)
                if returning.sector is None and invite.sector is not None:
                    returning.sector = _count_use(invite)
            returning.token_digest = token_digest(token)
            return JoinedParticipant(
                conversation.public_id, returning.pid, token, returning.sector, True
            )
        if invite_code is not None:
            # The code's sector wins over one picked on the landing page: it is what the
            # facilitator handed to that sector, and what the sector counts are made of.
            sector = _count_use(_invite_of(conversation, invite_code)) or check_sector(
                conversation, sector
            )
        else:
            sector = check_sector(conversation, sector)
        pid = allocate_number(conversation, "next_pid")
        participant = Participant(
            conversation_id=conversation.id,
            pid=pid,
            xid=xid,
            sector=sector,
            token_digest=token_digest(token),
            created_ms=now_ms(),
        )
        session.add(participant)
        # Built before the commit expires the rows: reading them after would reload both.
        joined = JoinedParticipant(conversation.public_id, pid, token, sector, False)
    return joined


def identify_participant(conversation_id: str, token: str) -> Participant:
    """The participant whose device holds `token`, in this conversation only.

    A token from another conversation is refused like a forged one.
    """
    found = db.session.execute(
        _PARTICIPANT_BY_TOKEN, {"public_id": conversation_id, "digest": token_digest(token)}
    ).first()
    if found is None:
        find_conversation(conversation_id)  # NotFound if the conversation is the problem
        raise Forbidden("unknown participant token", code="participant_token_unknown")
    return found.Participant


# Every participant request starts here: one query, built once.
_PARTICIPANT_BY_TOKEN = (
    sa.select(Participant)
    .join(Conversation, Conversation.id == Participant.conversation_id)
    .where(
        Conversation.public_id == sa.bindparam("public_id"),
        Participant.token_digest == sa.bindparam("digest"),
    )
)


def declare_sector(conversation_id: str, pid: int, sector: str) -> Participant:
    """A participant who joined without a sector (e.g. by an invite code tied to none) names one.

    Once set, a sector stays: an invite code's sector, or a declared one, is never overwritten,
    so the participation counts per sector cannot be gamed afterwards.
    """
    with unit_of_work():
        conversation = find_conversation(conversation_id)
        participant = find_participant(conversation, pid)
        sector = check_sector(conversation, sector)
        if sector is None:
            raise Invalid("name a sector, or decline to", code="sector_missing")
        if participant.sector is not None:
            raise Conflict("this participant's sector is set already", code="sector_set")
        participant.sector = sector
    return participant


def _clean_xid(xid: str | None) -> str | None:
    if xid is None:
        return None
    xid = xid.strip()
    if not xid or len(xid) > MAX_XID_LENGTH:
        raise Invalid(f"an xid must have 1 to {MAX_XID_LENGTH} characters", code="xid_invalid")
    return xid


def _require_allowed_xid(conversation: Conversation, xid: str | None) -> None:
    allowed = xid is not None and db.session.scalar(
        sa.select(XidAllow.id).where(
            XidAllow.conversation_id == conversation.id, XidAllow.xid == xid
        )
    )
    if not allowed:
        raise Forbidden("this conversation admits only listed xids", code="xid_not_allowed")


def _invite_of(conversation: Conversation, code: str) -> InviteCode:
    """The conversation's invite code `code`; `Forbidden` if it is not one of its codes."""
    invite = db.session.scalar(
        sa.select(InviteCode).where(
            InviteCode.conversation_id == conversation.id, InviteCode.code == code
        )
    )
    if invite is None:
        raise Forbidden("that invite code is not valid here", code="invite_invalid")
    return invite


def _count_use(invite: InviteCode) -> str | None:
    """Count one use of the code, in the database (two joins at once both count), and return
    its sector. Called once per participant it admits, inside the join's transaction: a join
    that fails afterwards counts nothing."""
    table = InviteCode.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == invite.id)
        .values(used_count=table.c.used_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(invite, ["used_count"])
    return invite.sector


def _participant_with_xid(conversation: Conversation, xid: str) -> Participant | None:
    return db.session.scalar(
        sa.select(Participant).where(
            Participant.conversation_id == conversation.id, Participant.xid == xid
        )
    )
