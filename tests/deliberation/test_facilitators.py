import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.errors import Conflict, Forbidden, Invalid, NotFound
from deliberation.models import ApiToken, Facilitator, Role
from tests.deliberation.conftest import PASSWORD, make_facilitator


def test_accounts_store_a_password_hash_and_log_in(db):
    created = services.create_facilitator("  Ana@Example.org ", PASSWORD)
    assert created.email == "ana@example.org"
    assert PASSWORD not in created.password_hash
    assert services.authenticate_facilitator("ANA@example.org", PASSWORD).id == created.id
    for email, password in [
        ("ana@example.org", "wrong password"),
        ("nobody@example.org", PASSWORD),
    ]:
        with pytest.raises(Forbidden):
            services.authenticate_facilitator(email, password)


def test_account_rules(app):
    make_facilitator("ana@example.org")
    with pytest.raises(Conflict):
        make_facilitator("ANA@example.org")
    with pytest.raises(Invalid):
        services.create_facilitator("not an email", PASSWORD)
    with pytest.raises(Invalid):
        services.create_facilitator("beto@example.org", "short")


def test_inactive_accounts_cannot_log_in_or_act(db, conversation, owner):
    owner.is_active = False
    db.session.commit()
    with pytest.raises(Forbidden):
        services.authenticate_facilitator(owner.email, PASSWORD)
    with pytest.raises(Forbidden):
        services.update_conversation(owner.id, conversation.public_id, {"is_open": False})


def test_api_tokens_are_stored_as_digests_and_can_be_revoked(db):
    ana = make_facilitator("ana@example.org")
    issued = services.issue_api_token(ana.id, "laptop")
    assert services.facilitator_for_api_token(issued.token).id == ana.id
    stored = db.session.get(ApiToken, issued.token_id)
    assert stored.token_digest != issued.token and stored.last_used_ms is not None
    with pytest.raises(Forbidden):
        services.facilitator_for_api_token(issued.token[:-1])

    beto = make_facilitator("beto@example.org")
    with pytest.raises(NotFound):  # nobody revokes another's token
        services.revoke_api_token(beto.id, issued.token_id)
    services.revoke_api_token(ana.id, issued.token_id)
    with pytest.raises(Forbidden):
        services.facilitator_for_api_token(issued.token)


def test_roles_are_granted_changed_and_revoked_by_owners(owner, conversation):
    ana = make_facilitator("ana@example.org")
    services.grant_role(owner.id, conversation.public_id, "ana@example.org", "moderator")
    services.grant_role(owner.id, conversation.public_id, "ana@example.org", "owner")
    assert services.conversations_of(ana.id) == [(conversation, Role.OWNER)]
    services.revoke_role(ana.id, conversation.public_id, owner.email, reason="cambio de equipo")
    assert services.conversations_of(owner.id) == []
    with pytest.raises(Forbidden):
        services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    actions = [e.action for e in services.audit_trail(ana.id, conversation.public_id)]
    assert actions[-3:] == ["role.grant", "role.grant", "role.revoke"]
    with pytest.raises(Invalid):
        services.grant_role(ana.id, conversation.public_id, owner.email, "admin")
    with pytest.raises(NotFound):
        services.grant_role(ana.id, conversation.public_id, "ghost@example.org", "moderator")


def test_a_conversation_keeps_at_least_one_owner(owner, conversation):
    with pytest.raises(Conflict):
        services.revoke_role(owner.id, conversation.public_id, owner.email)
    with pytest.raises(Conflict):
        services.grant_role(owner.id, conversation.public_id, owner.email, "moderator")


def test_create_facilitator_command(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-facilitator", "cli@example.org", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "cli@example.org" in result.output

    prompted = runner.invoke(
        args=["create-facilitator", "prompt@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert services.authenticate_facilitator("prompt@example.org", PASSWORD)

    duplicate = runner.invoke(
        args=["create-facilitator", "cli@example.org", "--password", PASSWORD]
    )
    assert duplicate.exit_code != 0 and "already has an account" in duplicate.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facilitator)) == 2
