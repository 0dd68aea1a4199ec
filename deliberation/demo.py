"""The demo conversation: a security round-table, and a simulated evening of people voting on it.

The conversation is written in `demo/round_table.toml`: topic, sectors, seed statements in
Spanish with English translations, and, for the simulator only, planted opinion groups with the
probability that their members agree with each statement. `load_demo` creates it through the
services, exactly as a facilitator and participants would, so the math, the pages and the API
see an ordinary conversation.
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import current_app

from deliberation.db import db, now_ms, simulated_clock, unit_of_work
from deliberation.models import Facilitator
from deliberation.services import (
    add_seed_statement,
    cast_vote,
    conversations_of,
    create_conversation,
    create_facilitator,
    join_conversation,
    translate_conversation,
    translate_statement,
)
from deliberation.services.subcommittees import create_subcommittee

DEMO_PATH = Path(__file__).resolve().parent.parent / "demo" / "round_table.toml"
DEMO_FACILITATOR_EMAIL = "demo@mesa.local"
PASSWORD_VARIABLE = "MESA_DEMO_PASSWORD"

# The simulated evening: participants arrive over the first 2.5 hours of a 3-hour session
# that ends when the demo is loaded; the facilitator wrote the seeds 45 minutes before it.
SESSION_MS = 3 * 3600_000
ARRIVALS_MS = 150 * 60_000
SEEDS_BEFORE_SESSION_MS = 45 * 60_000
VOTED_SHARE = (0.6, 0.9)  # each participant votes on a random 60–90% of the statements
CONVICTION = (0.8, 1.0)  # 1 votes with the group's probabilities, 0 would vote at random
SECONDS_TO_READ = 4.0  # a vote takes this much plus an exponential wait with the mean below
MEAN_SECONDS_TO_DECIDE = 9.0
PROGRESS_STEPS = 10  # progress lines while the evening is replayed


@dataclass(frozen=True)
class SeedStatement:
    """A statement as written in the demo file: text per language, and per planted group the
    probability that a member agrees when they do not pass."""

    text: dict[str, str]
    is_meta: bool
    agree: dict[str, float]
    pass_probability: float | None


@dataclass(frozen=True)
class PlantedGroup:
    name: str
    share: float  # of the participants
    pass_probability: float
    sector_weights: dict[str, float]


@dataclass(frozen=True)
class Scenario:
    topic: dict[str, str]
    description: dict[str, str]
    languages: list[str]  # the first is the one statements are written in
    sectors: list[str]  # in the first language: the names stored, and participants' sectors
    groups: list[PlantedGroup]
    statements: list[SeedStatement]
    time_zone: str = "UTC"
    # The table's subcommittees: (name, description) in the statements' language.
    subcommittees: list[tuple[str, str]] = field(default_factory=list)
    # Each other language's name for each sector: {language: {stored name: name}}.
    sector_names: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.languages[0]


@dataclass(frozen=True)
class SimulatedParticipant:
    """One participant of the evening. `votes` are (statement index, vote, ms after the session
    started), in the order cast; vote is 1 agree, -1 disagree, 0 pass."""

    group: str
    sector: str
    arrival_ms: int
    votes: tuple[tuple[int, int, int], ...]


def read_scenario(path: Path | str = DEMO_PATH) -> Scenario:
    with open(path, "rb") as demo_file:
        document = tomllib.load(demo_file)
    conversation = document["conversation"]
    groups = [
        PlantedGroup(name, group["share"], group["pass"], group["sectors"])
        for name, group in document["groups"].items()
    ]
    statements = [
        SeedStatement(
            text={language: entry[language] for language in conversation["languages"]},
            is_meta=entry.get("meta", False),
            agree=entry["agree"],
            pass_probability=entry.get("pass"),
        )
        for entry in document["statements"]
    ]
    for statement in statements:
        if set(statement.agree) != {group.name for group in groups}:
            raise ValueError(f"{statement.text} needs an agree probability for every group")
    language = conversation["languages"][0]
    return Scenario(
        topic=conversation["topic"],
        description=conversation["description"],
        languages=conversation["languages"],
        sectors=[sector[language] for sector in document["sectors"]],
        sector_names={
            other: {sector[language]: sector[other] for sector in document["sectors"]}
            for other in conversation["languages"][1:]
        },
        groups=groups,
        statements=statements,
        time_zone=conversation.get("time_zone", "UTC"),
        subcommittees=[
            (entry[language], entry["description"][language])
            for entry in document.get("subcommittees", {}).values()
        ],
    )


def simulate_evening(
    scenario: Scenario, *, seed: int, participants: int
) -> list[SimulatedParticipant]:
    """The participants of the evening in order of arrival, which is their pid order once
    loaded into a new conversation. The same seed gives the same evening."""
    rng = np.random.default_rng(seed)
    shares = np.array([group.share for group in scenario.groups])
    agree = np.array([[s.agree[g.name] for s in scenario.statements] for g in scenario.groups])
    arrivals = np.sort(rng.triangular(0, ARRIVALS_MS / 3, ARRIVALS_MS, participants))
    n_statements = len(scenario.statements)
    evening = []
    for arrival in arrivals.astype(np.int64):
        g = rng.choice(len(shares), p=shares / shares.sum())
        group = scenario.groups[g]
        sectors = list(group.sector_weights)
        weights = np.array([group.sector_weights[sector] for sector in sectors])
        sector = sectors[rng.choice(len(sectors), p=weights / weights.sum())]
        conviction = rng.uniform(*CONVICTION)
        n_votes = round(rng.uniform(*VOTED_SHARE) * n_statements)
        waits_ms = 1000 * (SECONDS_TO_READ + rng.exponential(MEAN_SECONDS_TO_DECIDE, n_votes))
        times = arrival + np.cumsum(waits_ms).astype(np.int64)
        votes = []
        for index, at_ms in zip(rng.permutation(n_statements)[:n_votes], times, strict=True):
            statement = scenario.statements[index]
            pass_probability = statement.pass_probability
            if pass_probability is None:
                pass_probability = group.pass_probability
            if rng.random() < pass_probability:
                vote = 0
            else:
                agree_probability = 0.5 + conviction * (agree[g, index] - 0.5)
                vote = 1 if rng.random() < agree_probability else -1
            votes.append((int(index), vote, int(at_ms)))
        evening.append(SimulatedParticipant(group.name, sector, int(arrival), tuple(votes)))
    return evening


def load_demo(
    path: Path | str = DEMO_PATH,
    *,
    seed: int = 0,
    participants: int = 240,
    report: Callable[[str], None] = print,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Create the demo conversation with a simulated evening of votes; its public id.

    Idempotent: when the demo facilitator already has a conversation on the demo's topic, that
    one's id is returned and nothing is written. The conversation and its votes are written in
    one transaction, so an interrupted load leaves nothing behind. Times are simulated: the
    session ends now. `report` receives progress lines, and the demo facilitator's password
    when it is generated (set MESA_DEMO_PASSWORD in the app's config or environment to choose it).
    `progress`, when given, receives a line now and then while the evening is simulated, for a
    long load's operator to watch (the command sends it to stderr, `report` to stdout).
    """
    scenario = read_scenario(path)
    facilitator_id = _demo_facilitator(report)
    topic = scenario.topic[scenario.language]
    with unit_of_work():
        for conversation, _role in conversations_of(facilitator_id):
            if conversation.topic == topic:
                report(f"The demo conversation exists: {conversation.public_id}")
                return conversation.public_id
        session_start_ms = now_ms() - SESSION_MS
        with simulated_clock(session_start_ms - SEEDS_BEFORE_SESSION_MS):
            conversation_id, tids = _write_conversation(facilitator_id, scenario, seed)
        evening = simulate_evening(scenario, seed=seed, participants=participants)
        n_votes = _replay_evening(conversation_id, tids, evening, session_start_ms, progress)
    report(
        f"Loaded the demo conversation {conversation_id}: {len(tids)} statements, "
        f"{len(evening)} participants, {n_votes} votes"
    )
    return conversation_id


def _demo_facilitator(report: Callable[[str], None]) -> int:
    existing = db.session.scalar(
        sa.select(Facilitator.id).where(Facilitator.email == DEMO_FACILITATOR_EMAIL)
    )
    if existing is not None:
        return existing
    chosen = current_app.config.get(PASSWORD_VARIABLE)
    password = chosen or secrets.token_urlsafe(12)
    facilitator = create_facilitator(DEMO_FACILITATOR_EMAIL, password)
    if chosen:
        report(f"Created the demo facilitator {DEMO_FACILITATOR_EMAIL} ({PASSWORD_VARIABLE}).")
    else:
        # Shown this once: only the hash is stored.
        report(f"Created the demo facilitator {DEMO_FACILITATOR_EMAIL}, password: {password}")
    return facilitator.id


def _write_conversation(
    facilitator_id: int, scenario: Scenario, seed: int
) -> tuple[str, list[int]]:
    """The conversation and its seed statements with their translations; (public id, tids)."""
    language = scenario.language
    others = scenario.languages[1:]
    conversation = create_conversation(
        facilitator_id,
        scenario.topic[language],
        description=scenario.description[language],
        languages=scenario.languages,
        stakeholder_sectors=scenario.sectors,
        time_zone=scenario.time_zone,
        math_seed=seed,
        reason="demo conversation",
    )
    for other in others:
        # Shown to readers of that language (participant pages, console, report, invites).
        translate_conversation(
            facilitator_id,
            conversation.public_id,
            other,
            topic=scenario.topic[other],
            description=scenario.description[other],
            sector_names=scenario.sector_names.get(other, {}),
        )
    for name, charter in scenario.subcommittees:
        create_subcommittee(facilitator_id, conversation.public_id, name, charter)
    tids = []
    for seed_statement in scenario.statements:
        # Seeds are accepted as they are added: no moderation step is needed.
        statement = add_seed_statement(
            facilitator_id,
            conversation.public_id,
            seed_statement.text[language],
            is_meta=seed_statement.is_meta,
            language=language,
        )
        for other in others:
            translate_statement(
                facilitator_id,
                conversation.public_id,
                statement.tid,
                other,
                seed_statement.text[other],
            )
        tids.append(statement.tid)
    return conversation.public_id, tids


def _replay_evening(
    conversation_id: str,
    tids: list[int],
    evening: list[SimulatedParticipant],
    session_start_ms: int,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Join and vote in time order, each at its simulated time; the number of votes cast.

    `progress` hears of every PROGRESS_STEPS-th arrival and of the last one: enough to see a
    load of thousands move, few enough not to flood a terminal."""
    events = []  # (ms after the session started, participant, statement index or -1 to join, vote)
    for person, participant in enumerate(evening):
        events.append((participant.arrival_ms, person, -1, 0))
        events.extend((at_ms, person, index, vote) for index, vote, at_ms in participant.votes)
    events.sort()
    step = max(1, len(evening) // PROGRESS_STEPS)
    pids: dict[int, int] = {}
    for at_ms, person, index, vote in events:
        with simulated_clock(session_start_ms + at_ms):
            if index < 0:
                pids[person] = join_conversation(conversation_id, sector=evening[person].sector).pid
                arrived = len(pids)
                if progress is not None and (arrived % step == 0 or arrived == len(evening)):
                    progress(f"simulating participant {arrived:,} of {len(evening):,}")
            else:
                cast_vote(conversation_id, pids[person], tids[index], vote)
    return len(events) - len(evening)
