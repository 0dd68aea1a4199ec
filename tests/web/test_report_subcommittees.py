"""The plenary report's section per subcommittee (issue 17): each subcommittee with its agenda
items, the statements of its topics the groups agree with, and its divisive statements; items
with no subcommittee apart; in Spanish and English."""

import re

import pytest

from deliberation import services
from deliberation.recompute import run_once
from deliberation.report import plenary_report
from deliberation.services.agenda import promote_statement
from deliberation.services.subcommittees import assign_statement
from deliberation.services.topics import refresh_stale_topics
from tests.deliberation.conftest import join
from tests.deliberation.test_subcommittees_and_topics import table  # noqa: F401  (a fixture)
from tests.web.conftest import CONSOLE, log_in


@pytest.fixture
def voted(owner, conversation, table):  # noqa: F811
    """Two camps: both agree on the justice statements (4-7), they split on the police ones."""
    cid = conversation.public_id
    for camp in (1, -1):
        for _ in range(6):
            pid = join(conversation).pid
            for tid in range(8):
                services.cast_vote(cid, pid, tid, 1 if tid >= 4 else camp)
    run_once("fast")
    refresh_stale_topics()
    police, justice = table
    # The facilitator's assignment wins over the topics' suggestion.
    for tid in range(4):
        assign_statement(owner.id, cid, tid, police)
    for tid in range(4, 8):
        assign_statement(owner.id, cid, tid, justice)
    promote_statement(owner.id, cid, 4)  # suggested: justice
    promote_statement(owner.id, cid, 0, subcommittee_id=None)
    return police, justice


def test_the_report_has_a_section_per_subcommittee(owner, conversation, voted):
    police, justice = voted
    report = plenary_report(owner.id, conversation.public_id, "es")
    sections = {s.id: s for s in report.subcommittees}
    # The conversation's order (police was added first), then the items with none.
    assert [s.id for s in report.subcommittees] == [police, justice, None]
    assert [i.statement.tid for i in sections[justice].agenda_items] == [4]
    assert [i.statement.tid for i in sections[None].agenda_items] == [0]
    assert sections[police].agenda_items == ()
    # Consensus statements are the subcommittee's own, highest first, at most three.
    assert {e.tid for e in sections[justice].consensus} <= {4, 5, 6, 7}
    assert 0 < len(sections[justice].consensus) <= 3
    consensus = [e.consensus for e in sections[justice].consensus]
    assert consensus == sorted(consensus, reverse=True)
    assert all(e.tid < 4 for e in sections[police].consensus)
    # What divides the groups is the police statements: they fall to that subcommittee.
    assert sections[police].divisive and all(d.statement.tid < 4 for d in sections[police].divisive)
    assert all(d.statement.tid >= 4 for d in sections[justice].divisive)


@pytest.mark.parametrize(
    ("language", "heading", "none"),
    [("es", "Por subcomisión", "Sin subcomisión"), ("en", "By subcommittee", "No subcommittee")],
)
def test_the_printable_report_shows_the_section(
    client, owner, conversation, voted, language, heading, none
):
    police, justice = voted
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{conversation.public_id}/report?lang={language}").get_data(
        as_text=True
    )
    assert f'<h2 id="h-subcommittees">{heading}</h2>' in page
    articles = re.findall(
        r'<article class="subcommittee-section" data-subcommittee="([^"]+)"', page
    )
    assert articles == [str(police), str(justice), "none"]
    justice_part = page.split(f'data-subcommittee="{justice}"')[1].split("</article>")[0]
    assert "Acceso a la justicia" in justice_part and "#4" in justice_part
    assert none in page.split('data-subcommittee="none"')[1].split("</article>")[0]


def test_no_subcommittees_no_section(client, owner, conversation, seeds):
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{conversation.public_id}/report?lang=en").get_data(as_text=True)
    assert "h-subcommittees" not in page
    assert plenary_report(owner.id, conversation.public_id).subcommittees == ()


def test_the_markdown_report_has_the_section_too(client, owner, conversation, voted):
    log_in(client, owner.email)
    text = client.get(f"{CONSOLE}/c/{conversation.public_id}/report.md?lang=en").get_data(
        as_text=True
    )
    section = text.split("## By subcommittee", 1)[1]
    assert section.index("### Respuesta inmediata") < section.index("### Acceso a la justicia")
    justice = section.split("### Acceso a la justicia", 1)[1].split("###", 1)[0]
    assert "(#4)" in justice and "**Where the groups agree**" in justice
    assert "### No subcommittee" in section


def test_a_subcommittee_ranks_its_own_divisive_statements_beyond_the_reports_top_ten(
    owner,
    conversation,
    table,  # noqa: F811
):
    """Twelve police statements split the camps; the justice ones split them less. The report's
    ten most divisive are all police ones, yet justice still gets its own most divisive."""
    police, justice = table
    cid = conversation.public_id
    for number in range(6):
        services.add_seed_statement(owner.id, cid, f"Más patrullas en la colonia {number}.")
    # tids 0-3 and 8-13: police; 4-7: justice.
    police_tids = [*range(4), *range(8, 14)]
    for camp in (1, -1):
        for voter in range(6):
            pid = join(conversation).pid
            for tid in range(14):
                if tid in police_tids:
                    services.cast_vote(cid, pid, tid, camp)
                else:  # justice: a mild split, one camp's voters half agree
                    services.cast_vote(cid, pid, tid, 1 if camp == 1 or voter % 2 else -1)
    run_once("fast")
    refresh_stale_topics()
    for tid in range(14):
        assign_statement(owner.id, cid, tid, justice if 4 <= tid < 8 else police)
    report = plenary_report(owner.id, cid, "es")
    sections = {s.id: s for s in report.subcommittees}
    top_ten = {d.statement.tid for d in report.divisive}
    assert len(top_ten) == 10 and top_ten <= set(police_tids)
    justice_divisive = [d.statement.tid for d in sections[justice].divisive]
    assert len(justice_divisive) == 3 and set(justice_divisive) <= {4, 5, 6, 7}
    assert len(sections[police].divisive) == 3
    spreads = [d.spread for d in sections[justice].divisive]
    assert spreads == sorted(spreads, reverse=True)
