"""Simulated participants voting through the JSON API: an open-loop, bounded load.

    python -m loadtest.generator --base-url http://127.0.0.1:8000 --conversation ID \
        --rate 500 --duration 60 [--database-url URL] [--out report.json]

The arrival model, not a closed loop: participants arrive at random (a Poisson process of
rate `rate / votes_each`), whatever the server's speed. Each joins (POST .../participants, a
bearer token), fetches a statement, then votes `votes_each` times with a human pause between
votes (gamma-distributed, mean `think_s`), each vote carrying a fresh client vote id and
answered with the next statement; a share of them also add a statement of their own. So the
vote rate offered is `rate` and the number of people in the room is about `rate * think_s`.
To be at that steady state from the first second, those people join before the clock starts
(not measured) and begin at a random point of their evening.

A vote that fails (connection refused or reset, timeout, 5xx, 429) is retried with the same
client vote id, as a phone on 3G does; the server must store it once. Latency is measured
from the moment the participant meant to vote to the answer, retries included, so a slow
generator can only make the figures worse. With `--database-url` it reconciles at the end:
every acknowledged vote id in the database, exactly once, and nothing else (see reconcile).
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import aiohttp

from loadtest import command_parser
from loadtest.stats import Latencies, process_cpu_seconds

API = "/api/v1"
# Setup (joining the people already in the room) is not measured; this caps its concurrency.
SETUP_CONCURRENCY = 32
# Agree, disagree, pass: roughly the mix of Polis's open data.
VOTE_CHOICES = (1, -1, 0)
VOTE_WEIGHTS = (0.45, 0.35, 0.20)
MAX_RETRY_PAUSE_S = 4.0


@dataclass(frozen=True)
class Profile:
    """What the room does. Rates in votes per second, times in seconds."""

    rate: float = 500.0
    duration_s: float = 60.0
    votes_each: int = 20
    think_s: float = 4.0
    author_share: float = 0.05  # share of participants who add a statement
    retries: int = 3
    retry_pause_s: float = 0.5  # doubled on each retry, up to MAX_RETRY_PAUSE_S
    timeout_s: float = 10.0
    connections: int = 128  # open keep-alive connections at most
    seed: int = 1


@dataclass
class Tally:
    """Everything observed, filled in by the participants as they go."""

    latencies: dict[str, Latencies] = field(
        default_factory=lambda: {k: Latencies() for k in ("vote", "join", "next", "statement")}
    )
    errors: Counter = field(default_factory=Counter)  # "kind status-or-exception" -> count
    acknowledged: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # id -> pid,tid,v
    given_up: list[str] = field(default_factory=list)  # sent, never acknowledged
    votes_offered: int = 0  # first attempts started within the run
    replayed: int = 0  # acknowledged as already stored (a retry of a vote that had landed)
    statements_added: int = 0
    participants: int = 0
    lag_ms: Latencies = field(default_factory=Latencies)  # how late the generator sent
    error_events: list[tuple[float, str]] = field(default_factory=list)  # (sent, what)
    acknowledged_times: list[float] = field(default_factory=list)

    def error(self, kind: str, what: str, sent_unix: float) -> None:
        """Tally a failed request under the time it was *sent*: a request sent while the
        server was down may only fail seconds later (a timeout), and still belongs to the
        outage."""
        self.errors[f"{kind} {what}"] += 1
        self.error_events.append((sent_unix, f"{kind} {what}"))


@dataclass(frozen=True)
class Report:
    """The outcome of one run, as printed and as written to JSON."""

    target_rate: float
    duration_s: float
    offered_rate: float
    achieved_rate: float
    votes_offered: int
    votes_acknowledged: int
    votes_given_up: int
    votes_replayed: int
    errors: int
    error_kinds: dict[str, int]
    vote_latency_ms: dict[str, float]
    other_latency_ms: dict[str, dict[str, float]]
    generator_lag_ms: dict[str, float]
    participants: int
    statements_added: int
    acknowledged_ids: list[str]
    given_up_ids: list[str]
    started_unix: float  # when the clock started (after the room was seated)
    # (Unix time the failed request was sent, "kind what"), to place errors against an outage
    error_events: list[tuple[float, str]]
    acknowledged_times: list[float]  # Unix time of each acknowledgement
    # The generator's own CPU time while the clock ran: on a shared machine, what the load
    # itself takes from the server's cores.
    generator_cpu_s: float = 0.0
    # The same for the processes named on the command line (--watch server=PID,...): CPU
    # spent by the server while the clock ran, seating the room left out.
    watched_cpu_s: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, document: dict) -> Report:
        events = [(sent, what) for sent, what in document.get("error_events", [])]
        return cls(**{**document, "error_events": events})

    def cpu_ms_per_vote(self, cpu_s: float | None) -> float | None:
        """`cpu_s` (this run's `generator_cpu_s`, or one of `watched_cpu_s`) per acknowledged
        vote, in milliseconds; None for a process that was not watched."""
        return None if cpu_s is None else 1000 * cpu_s / max(self.votes_acknowledged, 1)

    def errors_sent_outside(self, start_unix: float, end_unix: float) -> list[tuple[float, str]]:
        """The failed requests sent before `start_unix` or after `end_unix` (an outage's
        bounds): with the outage's own failures left out, what else went wrong."""
        return [event for event in self.error_events if not start_unix <= event[0] <= end_unix]


class Room:
    """One conversation's load: the participants' coroutines and the shared tally."""

    def __init__(
        self,
        base_url: str,
        conversation_id: str,
        profile: Profile,
        watched: dict[str, list[int]] | None = None,
    ):
        self.base = f"{base_url.rstrip('/')}{API}/conversations/{conversation_id}"
        self.profile = profile
        self.random = random.Random(profile.seed)
        self.tally = Tally()
        self.tag = secrets.token_hex(4)  # keeps vote ids unique across runs
        self.http: aiohttp.ClientSession | None = None
        self.started = 0.0
        self.cpu_s = 0.0  # the generator's own CPU while the clock ran
        # Other processes (e.g. "server": gunicorn's) whose CPU is read while the clock runs.
        self.watched = watched or {}
        self.watched_cpu_s: dict[str, float] = {}
        self.started_unix = 0.0

    def now(self) -> float:
        """Seconds since the clock started."""
        return time.perf_counter() - self.started

    async def run(self) -> Report:
        profile = self.profile
        connector = aiohttp.TCPConnector(limit=profile.connections, force_close=False)
        timeout = aiohttp.ClientTimeout(total=profile.timeout_s)
        # No cookie jar: each participant is its own phone, known by its bearer token alone.
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
        ) as self.http:
            # The people already in the room: joined before the clock, each partway through.
            present = round(profile.rate * profile.think_s)
            gate = asyncio.Semaphore(SETUP_CONCURRENCY)
            seated = await asyncio.gather(*(self._seat(gate) for _ in range(present)))
            self.started = time.perf_counter()
            self.started_unix = time.time()
            cpu_at_start = time.process_time()
            watched_at_start = {
                name: process_cpu_seconds(pids) for name, pids in self.watched.items()
            }
            tasks = []
            for seat in seated:
                if seat is None:
                    continue
                votes = self.random.randint(1, profile.votes_each)
                first = self.random.uniform(0, 1.25 * profile.think_s)
                tasks.append(asyncio.create_task(self._evening(seat, votes, first)))
            # Newcomers, arriving at random through the run.
            arrival_rate = profile.rate / profile.votes_each
            at = self.random.expovariate(arrival_rate)
            while at < profile.duration_s:
                tasks.append(asyncio.create_task(self._arrive(at)))
                at += self.random.expovariate(arrival_rate)
            await asyncio.gather(*tasks)
            finished = max(self.now(), profile.duration_s)
            self.cpu_s = time.process_time() - cpu_at_start
            self.watched_cpu_s = {
                name: process_cpu_seconds(pids) - watched_at_start[name]
                for name, pids in self.watched.items()
            }
        return self._report(finished)

    # -- one participant --------------------------------------------------------------------

    async def _seat(self, gate: asyncio.Semaphore):
        async with gate:
            joined = await self._join()
            if joined is None:
                return None
            statement = await self._next(joined)
            return joined, statement

    async def _arrive(self, at: float) -> None:
        await self._sleep_until(at)
        joined = await self._join()
        if joined is None:
            return
        statement = await self._next(joined)
        first = self.now() + self.random.gammavariate(4.0, self.profile.think_s / 4.0)
        await self._evening((joined, statement), self.profile.votes_each, first)

    async def _evening(self, seat, votes: int, first_at: float) -> None:
        (pid, headers), statement = seat
        profile = self.profile
        author = self.random.random() < profile.author_share
        due = first_at
        for number in range(votes):
            if statement is None or due >= profile.duration_s:
                return
            await self._sleep_until(due)
            statement = await self._vote(pid, headers, statement["tid"], due)
            if author and number == min(2, votes - 1):
                await self._add_statement(headers)
            due = self.now() + self.random.gammavariate(4.0, profile.think_s / 4.0)

    # -- requests ---------------------------------------------------------------------------

    async def _join(self):
        started = time.perf_counter()
        answer, _ = await self._request("join", "POST", "/participants", None, {})
        if answer is None:
            return None
        self.tally.latencies["join"].add((time.perf_counter() - started) * 1000)
        self.tally.participants += 1
        return answer["pid"], {"Authorization": f"Bearer {answer['token']}"}

    async def _next(self, joined):
        started = time.perf_counter()
        answer, _ = await self._request("next", "GET", "/next-statement", joined[1], None)
        if answer is None:
            return None
        self.tally.latencies["next"].add((time.perf_counter() - started) * 1000)
        return answer["statement"]

    async def _vote(self, pid: int, headers: dict, tid: int, due: float):
        """One vote, retried with the same id until acknowledged; the next statement or None."""
        tally, profile = self.tally, self.profile
        tally.votes_offered += 1
        tally.lag_ms.add(max(0.0, self.now() - due) * 1000)
        vote_id = f"{self.tag}-{pid}-{tid}-{secrets.token_hex(6)}"
        vote = self.random.choices(VOTE_CHOICES, VOTE_WEIGHTS)[0]
        body = {"tid": tid, "vote": vote, "client_vote_id": vote_id}
        for attempt in range(profile.retries + 1):
            if attempt:
                # Backoff with jitter, as a real client should: phones cut off together must
                # not all come back in the same instant when the server returns.
                pause = min(profile.retry_pause_s * 2 ** (attempt - 1), MAX_RETRY_PAUSE_S)
                await asyncio.sleep(pause * self.random.uniform(0.5, 1.0))
            answer, final = await self._request("vote", "POST", "/votes", headers, body)
            if answer is not None:
                tally.latencies["vote"].add((self.now() - due) * 1000)
                tally.acknowledged[vote_id] = (pid, tid, vote)
                tally.acknowledged_times.append(time.time())
                tally.replayed += bool(answer["vote"]["replayed"])
                return answer["next"]["statement"]
            if final:
                break
        tally.given_up.append(vote_id)
        return None

    async def _add_statement(self, headers: dict) -> None:
        started = time.perf_counter()
        text = f"Propuesta ciudadana {secrets.token_hex(5)}: iluminar las paradas de autobús."
        answer, _ = await self._request("statement", "POST", "/statements", headers, {"text": text})
        if answer is not None:
            self.tally.latencies["statement"].add((time.perf_counter() - started) * 1000)
            self.tally.statements_added += 1

    async def _request(self, kind: str, method: str, path: str, headers, body):
        """(JSON answer, False) for a 2xx; else (None, final) with the error tallied. A 4xx other
        than 429 is final (retrying cannot help); connection failures, timeouts, 5xx and 429
        are not."""
        sent_unix = time.time()
        try:
            async with self.http.request(
                method, self.base + path, headers=headers, json=body
            ) as response:
                if response.status < 300:
                    return await response.json(), False
                detail = (await response.text())[:120]
                self.tally.error(kind, f"{response.status} {_code(detail)}", sent_unix)
                return None, 400 <= response.status < 500 and response.status != 429
        except (aiohttp.ClientError, TimeoutError) as failure:
            self.tally.error(kind, type(failure).__name__, sent_unix)
            return None, False

    async def _sleep_until(self, at: float) -> None:
        delay = at - self.now()
        if delay > 0:
            await asyncio.sleep(delay)

    # -- the report -------------------------------------------------------------------------

    def _report(self, finished_s: float) -> Report:
        tally, profile = self.tally, self.profile
        return Report(
            target_rate=profile.rate,
            duration_s=round(finished_s, 3),
            offered_rate=round(tally.votes_offered / profile.duration_s, 1),
            achieved_rate=round(len(tally.acknowledged) / finished_s, 1),
            votes_offered=tally.votes_offered,
            votes_acknowledged=len(tally.acknowledged),
            votes_given_up=len(tally.given_up),
            votes_replayed=tally.replayed,
            errors=sum(tally.errors.values()),
            error_kinds=dict(tally.errors.most_common()),
            vote_latency_ms=tally.latencies["vote"].summary(),
            other_latency_ms={
                kind: latencies.summary()
                for kind, latencies in tally.latencies.items()
                if kind != "vote"
            },
            generator_lag_ms=tally.lag_ms.summary(),
            participants=tally.participants,
            statements_added=tally.statements_added,
            acknowledged_ids=sorted(tally.acknowledged),
            given_up_ids=sorted(tally.given_up),
            started_unix=self.started_unix,
            error_events=tally.error_events,
            acknowledged_times=tally.acknowledged_times,
            generator_cpu_s=round(self.cpu_s, 3),
            watched_cpu_s={name: round(cpu, 3) for name, cpu in self.watched_cpu_s.items()},
        )


def _code(detail: str) -> str:
    """The error code of a JSON error body, else the start of the body."""
    try:
        return json.loads(detail).get("code", "")
    except (ValueError, AttributeError):
        return detail[:40].replace("\n", " ")


def generate(
    base_url: str,
    conversation_id: str,
    profile: Profile,
    watched: dict[str, list[int]] | None = None,
) -> Report:
    """Run the load to the end (duration plus the last answers) and report."""
    return asyncio.run(Room(base_url, conversation_id, profile, watched).run())


def _watch_argument(value: str) -> tuple[str, list[int]]:
    name, _, pids = value.partition("=")
    return name, [int(pid) for pid in pids.split(",") if pid]


def format_report(report: Report) -> str:
    """The figures a person reads: rates, vote latency percentiles, errors."""
    latency = report.vote_latency_ms
    lines = [
        f"votes/s offered {report.offered_rate:.1f} (target {report.target_rate:g}), "
        f"achieved {report.achieved_rate:.1f}, over {report.duration_s:.1f} s",
        f"vote latency ms: p50 {latency['p50']:.1f}  p95 {latency['p95']:.1f}  "
        f"p99 {latency['p99']:.1f}  max {latency['max']:.1f}  ({latency['count']} votes)",
        f"errors: {report.errors}"
        + (
            f" ({', '.join(f'{k}: {n}' for k, n in report.error_kinds.items())})"
            if report.errors
            else ""
        ),
        f"votes: {report.votes_offered} sent, {report.votes_acknowledged} acknowledged, "
        f"{report.votes_given_up} given up, {report.votes_replayed} acknowledged as replays",
        f"participants {report.participants}, statements added {report.statements_added}; "
        "join/next/statement p99 ms: "
        + " / ".join(
            f"{report.other_latency_ms[k]['p99']:.1f}" for k in ("join", "next", "statement")
        ),
        f"generator lag ms: p99 {report.generator_lag_ms['p99']:.1f}, "
        f"max {report.generator_lag_ms['max']:.1f}; generator CPU "
        f"{report.cpu_ms_per_vote(report.generator_cpu_s):.2f} ms per vote",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser("python -m loadtest.generator", __doc__)
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--conversation", required=True, help="the conversation's public id")
    defaults = Profile()
    parser.add_argument("--rate", type=float, default=defaults.rate, help="votes/s offered")
    parser.add_argument("--duration", type=float, default=defaults.duration_s, help="seconds")
    parser.add_argument("--votes-each", type=int, default=defaults.votes_each)
    parser.add_argument("--think", type=float, default=defaults.think_s, help="mean pause, s")
    parser.add_argument("--author-share", type=float, default=defaults.author_share)
    parser.add_argument("--retries", type=int, default=defaults.retries)
    parser.add_argument("--timeout", type=float, default=defaults.timeout_s)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--database-url", help="reconcile acknowledged votes with this database")
    parser.add_argument("--out", help="write the report (with every vote id) as JSON here")
    parser.add_argument(
        "--watch",
        action="append",
        type=_watch_argument,
        default=[],
        metavar="NAME=PID,...",
        help="report these processes' CPU while the clock runs (repeatable)",
    )
    args = parser.parse_args(argv)
    profile = Profile(
        rate=args.rate,
        duration_s=args.duration,
        votes_each=args.votes_each,
        think_s=args.think,
        author_share=args.author_share,
        retries=args.retries,
        timeout_s=args.timeout,
        seed=args.seed,
    )
    report = generate(args.base_url, args.conversation, profile, dict(args.watch))
    print(format_report(report), flush=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(report.to_dict(), out)
    if not args.database_url:
        return 0
    from loadtest.reconcile import reconcile

    reconciliation = reconcile(args.database_url, args.conversation, report)
    print(reconciliation.describe(), flush=True)
    return 0 if reconciliation.exact else 1


if __name__ == "__main__":
    sys.exit(main())
