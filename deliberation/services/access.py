"""Who may join a conversation (invite codes, xid allow-list) and who may run it (roles)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Conflict, Invalid, NotFound
from deliberation.identifiers import new_invite_code
from deliberation.models import (
    Conversation,
    ConversationRole,
    Facilitator,
    InviteCode,
    Role,
    XidAllow,
)
from deliberation.services.audit import record_audit
from deliberation.services.authorization import MODERATION_ROLES, OWNER_ONLY, require_role
from deliberation.services.facilitators import normalise_email
from deliberation.services.lookup import find_conversation

MAX_XID_LENGTH = 255


def check_sector(conversation: Conversation, sector: str | None) -> str | None:
    """A sector must be one the conversation lists, when it lists any."""
    if sector is None:
        return None
    sector = sector.strip()
    if conversation.stakeholder_sectors and sector not in conversation.stakeholder_sectors:
        raise Invalid(f"{sector!r} is not a sector of this conversation", code="sector_unknown")
    return sector or None


def create_invite_code(
    facilitator_id: int, conversation_id: str, *, sector: str | None = None
) -> InviteCode:
    """A new invite code, optionally tied to a sector: whoever joins with it is counted in it."""
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        invite = InviteCode(
            conversation_id=conversation.id,
            code=new_invite_code(),
            sector=check_sector(conversation, sector),
            created_ms=now_ms(),
        )
        session.add(invite)
        record_audit(
            conversation, facilitator_id, "invite.create", {"code": invite.code, "sector": sector}
        )
    return invite


def normalise_invite_code(typed: str | None) -> str | None:
    """A code as people type it from a printed sheet (spaces, capitals) as it is stored."""
    code = "".join((typed or "").split()).lower()
    return code or None


def conversation_of_invite(typed: str) -> str:
    """The public id of the conversation an invite code belongs to, for someone who typed the
    code where a conversation code goes (the home page); `NotFound` if no conversation has it.
    Nothing is counted: the code is used when the person joins."""
    code = normalise_invite_code(typed)
    public_id = code and db.session.scalar(
        sa.select(Conversation.public_id)
        .join(InviteCode, InviteCode.conversation_id == Conversation.id)
        .where(InviteCode.code == code)
    )
    if not public_id:
        raise NotFound("no conversation has this invite code", code="invite_not_found")
    return public_id


def sector_of_invite(conversation: Conversation, typed: str | None) -> str | None:
    """The sector a code of this conversation counts its holder in, or None (no such code, or
    a code for any sector), so that the landing page does not ask what the code will decide."""
    code = normalise_invite_code(typed)
    if code is None:
        return None
    return db.session.scalar(
        sa.select(InviteCode.sector).where(
            InviteCode.conversation_id == conversation.id, InviteCode.code == code
        )
    )


def invite_codes(facilitator_id: int, conversation_id: str) -> list[InviteCode]:
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, OWNER_ONLY)
    return list(
        db.session.scalars(
            sa.select(InviteCode)
            .where(InviteCode.conversation_id == conversation.id)
            .order_by(InviteCode.id)
        )
    )


def allow_xids(facilitator_id: int, conversation_id: str, xids: Iterable[str]) -> int:
    """Add external ids to the allow-list; returns how many were new."""
    cleaned = list(dict.fromkeys(xid.strip() for xid in xids))
    if any(not xid or len(xid) > MAX_XID_LENGTH for xid in cleaned):
        raise Invalid(f"an xid must have 1 to {MAX_XID_LENGTH} characters", code="xid_invalid")
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        known = set(
            session.scalars(
                sa.select(XidAllow.xid).where(
                    XidAllow.conversation_id == conversation.id, XidAllow.xid.in_(cleaned)
                )
            )
        )
        new = [xid for xid in cleaned if xid not in known]
        session.add_all(XidAllow(conversation_id=conversation.id, xid=xid) for xid in new)
        record_audit(conversation, facilitator_id, "xid.allow", {"count": len(new)})
    return len(new)


def allowed_xids(facilitator_id: int, conversation_id: str) -> list[str]:
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, OWNER_ONLY)
    return list(
        db.session.scalars(
            sa.select(XidAllow.xid)
            .where(XidAllow.conversation_id == conversation.id)
            .order_by(XidAllow.xid)
        )
    )


def disallow_xid(facilitator_id: int, conversation_id: str, xid: str) -> None:
    """Remove an xid from the allow-list; a participant who already joined keeps their votes."""
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        removed = session.execute(
            sa.delete(XidAllow).where(
                XidAllow.conversation_id == conversation.id, XidAllow.xid == xid
            )
        ).rowcount
        if not removed:
            raise NotFound(f"{xid!r} is not on the allow-list", code="xid_not_found")
        record_audit(conversation, facilitator_id, "xid.disallow", {"xid": xid})


def grant_role(
    facilitator_id: int,
    conversation_id: str,
    email: str,
    role: Role | str,
    *,
    reason: str | None = None,
) -> ConversationRole:
    """Give another facilitator a role (owners only); replaces the role they had."""
    role = _role(role)
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        grantee = _facilitator_by_email(email)
        grant = _grant_of(conversation, grantee.id)
        before = grant.role.value if grant else None
        if grant is None:
            grant = ConversationRole(conversation_id=conversation.id, facilitator_id=grantee.id)
            session.add(grant)
        elif grant.role is Role.OWNER and role is not Role.OWNER:
            _keep_an_owner(conversation, grantee.id)
        grant.role = role
        record_audit(
            conversation,
            facilitator_id,
            "role.grant",
            {"facilitator": grantee.email, "before": before, "after": role.value},
            reason,
        )
    return grant


def revoke_role(
    facilitator_id: int, conversation_id: str, email: str, *, reason: str | None = None
) -> None:
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        grantee = _facilitator_by_email(email)
        grant = _grant_of(conversation, grantee.id)
        if grant is None:
            raise NotFound(f"{grantee.email} has no role here", code="role_not_found")
        if grant.role is Role.OWNER:
            _keep_an_owner(conversation, grantee.id)
        session.delete(grant)
        record_audit(
            conversation,
            facilitator_id,
            "role.revoke",
            {"facilitator": grantee.email, "before": grant.role.value},
            reason,
        )


def conversation_roles(facilitator_id: int, conversation_id: str) -> list[tuple[str, Role]]:
    """Who runs a conversation: (email, role), owners first; for its owners and moderators."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    rows = db.session.execute(
        sa.select(Facilitator.email, ConversationRole.role)
        .join(ConversationRole, ConversationRole.facilitator_id == Facilitator.id)
        .where(ConversationRole.conversation_id == conversation.id)
        .order_by(ConversationRole.role.desc(), Facilitator.email)
    )
    return [(email, role) for email, role in rows]


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Invalid(f"{role!r} is not a role (owner, moderator)", code="role_invalid") from None


def _facilitator_by_email(email: str) -> Facilitator:
    facilitator = db.session.scalar(
        sa.select(Facilitator).where(Facilitator.email == normalise_email(email))
    )
    if facilitator is None:
        raise NotFound(f"no facilitator {email}", code="facilitator_not_found")
    return facilitator


def _grant_of(conversation: Conversation, facilitator_id: int) -> ConversationRole | None:
    return db.session.scalar(
        sa.select(ConversationRole).where(
            ConversationRole.conversation_id == conversation.id,
            ConversationRole.facilitator_id == facilitator_id,
        )
    )


def _keep_an_owner(conversation: Conversation, leaving_facilitator_id: int) -> None:
    """A conversation must always have an owner, or nobody could change its settings."""
    other_owners = db.session.scalar(
        sa.select(sa.func.count()).where(
            ConversationRole.conversation_id == conversation.id,
            ConversationRole.role == Role.OWNER,
            ConversationRole.facilitator_id != leaving_facilitator_id,
        )
    )
    if not other_owners:
        raise Conflict("a conversation needs at least one owner", code="last_owner")
