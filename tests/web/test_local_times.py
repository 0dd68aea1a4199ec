"""A conversation's time zone (issue 10, point 6), and the report for the plenary (point 7):
times on the table's own clock with the zone named, the chosen agenda items first, sector
names whole."""

from __future__ import annotations

import re

import pytest

from deliberation import services
from deliberation.errors import Invalid
from deliberation.recompute import run_once
from deliberation.report.model import Share
from deliberation.services.agenda import promote_statement
from tests.web.test_console import CONSOLE, log_in
from web.report.charts import share_bars

JUAREZ = "America/Ciudad_Juarez"
LONG_SECTOR = "organización de la sociedad civil"


def test_a_conversation_keeps_a_valid_time_zone_and_refuses_an_unknown_one(owner, conversation):
    assert conversation.time_zone == "UTC"  # the default, and every conversation before it
    changed = services.update_conversation(owner.id, conversation.public_id, {"time_zone": JUAREZ})
    assert changed.time_zone == JUAREZ
    for bad in ("Mars/Olympus_Mons", "", 7, "../etc/localtime"):
        with pytest.raises(Invalid):
            services.update_conversation(owner.id, conversation.public_id, {"time_zone": bad})
    created = services.create_conversation(owner.id, "Otra mesa", time_zone="Europe/Madrid")
    assert created.time_zone == "Europe/Madrid"


def test_console_times_are_on_the_conversations_clock(client, owner, conversation):
    services.update_conversation(owner.id, conversation.public_id, {"time_zone": JUAREZ})
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{conversation.public_id}/audit").get_data(as_text=True)
    assert f'data-time-zone="{JUAREZ}"' in page
    shown = re.findall(r"<time [^>]*>([^<]+)</time>", page)
    assert shown and all(text.endswith((" MST", " MDT")) for text in shown), shown


def test_the_report_puts_the_agenda_items_first_on_the_tables_clock(
    client, owner, conversation, seeds
):
    cid = conversation.public_id
    services.update_conversation(
        owner.id,
        cid,
        {"time_zone": JUAREZ, "stakeholder_sectors": ["comercio", LONG_SECTOR]},
    )
    for n in range(12):
        pid = services.join_conversation(cid, sector=LONG_SECTOR if n % 2 else "comercio").pid
        for tid in seeds:
            services.cast_vote(cid, pid, tid, 1 if (n + tid) % 3 else -1)
    run_once("fast")
    justice = services.create_subcommittee(owner.id, cid, "Acceso a la justicia")
    promote_statement(owner.id, cid, seeds[0], subcommittee_id=justice.id)
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{cid}/report?lang=es").get_data(as_text=True)

    assert page.index('id="h-items"') < page.index('id="h-participation"')
    assert page.index('id="h-items"') < page.index('id="h-agenda"')
    assert "Acceso a la justicia" in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d M[SD]T", page)
    assert " UTC" not in page
    assert JUAREZ in page  # the timeline's caption names the zone
    assert "organización de la sociedad c…" not in page
    # The CSV download names the zone and gives the time with its offset.
    rows = client.get(f"{CONSOLE}/c/{cid}/report.csv").get_data(as_text=True)
    assert JUAREZ in rows
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[67]:00", rows)


def test_a_long_sector_name_wraps_on_its_bar_instead_of_being_cut():
    bars = share_bars(
        (Share("comercio", 40, 0.7, (0.6, 0.8)), Share(LONG_SECTOR, 31, 0.77, (0.64, 0.88))),
        "Acuerdo por sector",
    )
    assert "…" not in bars
    assert ">organización de la sociedad</tspan>" in bars and ">civil</tspan>" in bars
    # The wrapped row is taller, so the chart is too: nothing is drawn over the next row.
    height = int(re.search(r'height="(\d+)"', bars).group(1))
    assert height > 2 * 18 + 4
