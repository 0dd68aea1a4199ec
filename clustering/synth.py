"""Synthetic conversations with planted opinion groups, for scale tests and recovery checks.

Real exports top out at a few thousand participants; the engine must handle 100k participants
and 10k statements. This module generates such a conversation in a few seconds and writes it
in the Polis CSV export shape, so the very same loader and CLI path is exercised as for real data.

Model (kept simple on purpose, but with the features that trip clustering up):
* groups of unequal size, each with its own stance per statement (some statements are
  consensus, most divide the groups to some degree);
* each participant votes on exactly `votes_per_participant` distinct statements, drawn without
  replacement with popularity weights (some statements are seen far more than others);
* a per-statement pass rate and a little uniform noise;
* timestamps strictly increasing in row order, with participants' sessions interleaved.

Everything is vectorised over chunks of participants; no dense participants x statements array
is ever built for large conversations, and there is no Python loop per vote or per participant.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.inputs import VoteRecords

NOISE = 0.05  # share of votes replaced by a uniformly random vote
START_MS = 1_700_000_000_000
_CHUNK_CELLS = 4_000_000  # random numbers drawn per chunk: bounds peak memory


@dataclass(frozen=True)
class _Streams:
    """Independent random streams, so e.g. the planted groups do not depend on the vote count."""

    groups: np.random.Generator
    stances: np.random.Generator
    popularity: np.random.Generator
    choice: np.random.Generator
    votes: np.random.Generator
    times: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> _Streams:
        children = np.random.SeedSequence(seed).spawn(6)
        return cls(*(np.random.default_rng(c) for c in children))


def planted_groups(participants: int, groups: int, seed: int) -> np.ndarray:
    """The planted group of participant i (ids are 0..participants-1), as used by `synthesize`.

    Group shares are unequal (Dirichlet draw mixed with uniform, so no group is vanishingly
    small): a clustering that only finds equal-sized groups should not pass.
    """
    return _planted_groups(_Streams.from_seed(seed).groups, participants, groups)


def _planted_groups(rng: np.random.Generator, participants: int, groups: int) -> np.ndarray:
    shares = 0.4 / groups + 0.6 * rng.dirichlet(np.full(groups, 2.0))
    return rng.choice(groups, size=participants, p=shares / shares.sum()).astype(np.int64)


def synthesize(
    participants: int,
    statements: int,
    votes_per_participant: int,
    groups: int,
    seed: int,
) -> tuple[VoteRecords, np.ndarray]:
    """Votes of a planted-group conversation, and its statement ids (0..statements-1).

    Exactly `participants * votes_per_participant` rows, one per (participant, statement),
    in increasing timestamp order. Get the planted groups with `planted_groups(...)` (same
    arguments and seed).
    """
    if min(participants, statements, groups) < 1:
        raise ValueError("participants, statements and groups must be >= 1")
    if not 0 <= votes_per_participant <= statements:
        raise ValueError("votes_per_participant must be between 0 and statements")
    rng = _Streams.from_seed(seed)
    member = _planted_groups(rng.groups, participants, groups)
    p_agree, p_disagree = _stances(rng.stances, groups, statements)
    weights = rng.popularity.lognormal(0.0, 0.8, size=statements)

    v = votes_per_participant
    tids = np.empty((participants, v), dtype=np.int64)
    rows_per_chunk = max(1, _CHUNK_CELLS // max(_draws_per_row(v, statements), 1))
    for lo in range(0, participants, rows_per_chunk):
        hi = min(participants, lo + rows_per_chunk)
        tids[lo:hi] = _choose_statements(rng.choice, weights, hi - lo, v)

    pids = np.repeat(np.arange(participants, dtype=np.int64), v)
    tids = tids.reshape(-1)
    votes = _cast_votes(rng.votes, member[pids], tids, p_agree, p_disagree)
    order, timestamps = _timeline(rng.times, participants, v)
    records = VoteRecords(pids[order], tids[order], votes[order], timestamps)
    return records, np.arange(statements, dtype=np.int64)


def _stances(
    rng: np.random.Generator, groups: int, statements: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per group and statement, P(agree) and P(disagree) (the rest is P(pass)), shape (G, M).

    A statement's lean is a shared part (consensus) plus a group part (division); the group
    part's strength varies by statement so that some statements are consensus, some divisive.
    """
    shared = rng.normal(0.0, 1.0, size=statements)
    divisive = rng.gamma(2.0, 0.75, size=statements)
    lean = shared[None, :] + divisive[None, :] * rng.normal(0.0, 1.0, size=(groups, statements))
    agree_if_not_pass = 1.0 / (1.0 + np.exp(-2.0 * lean))
    pass_rate = rng.beta(2.0, 10.0, size=statements)[None, :]
    p_agree = ((1.0 - pass_rate) * agree_if_not_pass).astype(np.float32)
    p_disagree = ((1.0 - pass_rate) * (1.0 - agree_if_not_pass)).astype(np.float32)
    return p_agree, p_disagree


def _draws_per_row(v: int, m: int) -> int:
    return m if _dense_sampling(v, m) else v + max(16, v // 2)


def _dense_sampling(v: int, m: int) -> bool:
    """Small or nearly-full selections: exact keys over all statements are cheap enough."""
    return m <= 512 or 3 * v > m


def _choose_statements(
    rng: np.random.Generator, weights: np.ndarray, rows: int, v: int
) -> np.ndarray:
    """`v` distinct statements per row, popularity-weighted, in random order; shape (rows, v)."""
    m = len(weights)
    if v == 0:
        return np.empty((rows, 0), dtype=np.int64)
    if _dense_sampling(v, m):
        return _choose_dense(rng, weights, rows, v)
    # Draw with replacement, then keep each row's first v distinct draws. With v << m few
    # rows come up short; those are redrawn exactly.
    k = _draws_per_row(v, m)
    cdf = np.cumsum(weights)
    cand = np.searchsorted(cdf, rng.random((rows, k)) * cdf[-1], side="right")
    np.minimum(cand, m - 1, out=cand)
    order = np.argsort(cand, axis=1, kind="stable")
    ranked = np.take_along_axis(cand, order, axis=1)
    repeat = np.zeros((rows, k), dtype=bool)
    np.put_along_axis(repeat, order[:, 1:], ranked[:, 1:] == ranked[:, :-1], axis=1)
    fresh = ~repeat
    keep = fresh & (np.cumsum(fresh, axis=1) <= v)
    counts = keep.sum(axis=1)
    out = np.empty((rows, v), dtype=np.int64)
    full = counts == v
    out[full] = cand[full][keep[full]].reshape(-1, v)
    short = np.flatnonzero(~full)
    if len(short):
        out[short] = _choose_dense(rng, weights, len(short), v)
    return out


def _choose_dense(rng: np.random.Generator, weights: np.ndarray, rows: int, v: int) -> np.ndarray:
    """Exact weighted sampling without replacement (Efraimidis-Spirakis exponential keys)."""
    m = len(weights)
    out = np.empty((rows, v), dtype=np.int64)
    step = max(1, _CHUNK_CELLS // m)
    for lo in range(0, rows, step):
        hi = min(rows, lo + step)
        keys = rng.exponential(size=(hi - lo, m)) / weights[None, :]
        picked = (
            np.argpartition(keys, v - 1, axis=1)[:, :v]
            if v < m
            else np.tile(np.arange(m), (hi - lo, 1))
        )
        out[lo:hi] = rng.permuted(picked, axis=1)
    return out


def _cast_votes(
    rng: np.random.Generator,
    group: np.ndarray,
    tids: np.ndarray,
    p_agree: np.ndarray,
    p_disagree: np.ndarray,
) -> np.ndarray:
    """One vote per (participant, statement) from the group's stance, plus uniform noise."""
    votes = np.empty(len(tids), dtype=np.int8)
    step = _CHUNK_CELLS
    for lo in range(0, len(tids), step):
        g, t = group[lo : lo + step], tids[lo : lo + step]
        pa, pd_ = p_agree[g, t], p_disagree[g, t]
        u = rng.random(len(t), dtype=np.float32)
        chunk = np.where(u < pa, 1, np.where(u < pa + pd_, -1, 0)).astype(np.int8)
        noisy = rng.random(len(t), dtype=np.float32) < NOISE
        chunk[noisy] = rng.integers(-1, 2, size=int(noisy.sum()), dtype=np.int8)
        votes[lo : lo + step] = chunk
    return votes


def _timeline(rng: np.random.Generator, participants: int, v: int) -> tuple[np.ndarray, np.ndarray]:
    """Row order (interleaved sessions) and strictly increasing ms timestamps for it.

    Participants arrive spread over the conversation's life and vote at their own pace, so
    sessions overlap; a stable sort of those virtual times gives the row order.
    """
    n = participants * v
    arrival = np.sort(rng.random(participants)) * max(participants, 1)
    pace = rng.uniform(0.2, 2.0, size=participants)  # virtual time units between votes
    vote_no = np.tile(np.arange(v, dtype=np.float64), participants)
    virtual = np.repeat(arrival, v) + vote_no * np.repeat(pace, v)
    order = np.argsort(virtual, kind="stable")
    del virtual, vote_no
    gaps = rng.integers(1, 1_000, size=n, dtype=np.int64)  # 1 ms .. 1 s between votes
    timestamps = START_MS + np.cumsum(gaps)
    return order, timestamps


# --------------------------------------------------------------------------------------------
# Writing


def write_polis_csv(
    votes: VoteRecords,
    statement_ids: np.ndarray,
    out_dir: str | os.PathLike,
    texts: dict[int, str] | None = None,
    planted: np.ndarray | None = None,
) -> None:
    """Write `votes.csv` and `comments.csv` like the legacy Polis exporter (agree = 1).

    `agrees`/`disagrees` count every vote row, as Polis's export does. With `planted` (group
    per participant id 0..n-1), also write `planted-groups.csv` (participant,group).
    """
    os.makedirs(out_dir, exist_ok=True)
    _write_votes_csv(votes, os.path.join(out_dir, "votes.csv"))
    _write_comments_csv(
        votes,
        np.asarray(statement_ids, dtype=np.int64),
        texts or {},
        os.path.join(out_dir, "comments.csv"),
    )
    if planted is not None:
        planted = np.asarray(planted, dtype=np.int64)
        with open(os.path.join(out_dir, "planted-groups.csv"), "wb") as fh:
            fh.write(b"participant,group\n")
            _render_rows([np.arange(len(planted)), b",", planted, b"\n"], len(planted)).tofile(fh)


def _write_votes_csv(votes: VoteRecords, path: str) -> None:
    """Rendered with numpy: `DataFrame.to_csv` needs over a minute for 10M rows."""
    n = len(votes)
    with open(path, "wb") as fh:
        fh.write(b"timestamp,datetime,comment-id,voter-id,vote\n")
        for lo in range(0, n, _WRITE_CHUNK):
            sl = slice(lo, min(n, lo + _WRITE_CHUNK))
            ts = votes.timestamps[sl]
            pieces = [
                ts,
                b",",
                _datetime_bytes(ts),
                b",",
                votes.statement_ids[sl],
                b",",
                votes.participant_ids[sl],
                b",",
                votes.votes[sl],
                b"\n",
            ]
            _render_rows(pieces, len(ts)).tofile(fh)


def _write_comments_csv(
    votes: VoteRecords, statement_ids: np.ndarray, texts: dict[int, str], path: str
) -> None:
    n = len(statement_ids)
    pos = np.searchsorted(statement_ids, votes.statement_ids)
    known = pos < n
    known[known] = statement_ids[pos[known]] == votes.statement_ids[known]
    pos, vals, times = pos[known], votes.votes[known], votes.timestamps[known]
    agrees = np.bincount(pos[vals == 1], minlength=n)
    disagrees = np.bincount(pos[vals == -1], minlength=n)
    first_vote = np.full(n, times.min() if len(times) else START_MS, dtype=np.int64)
    np.minimum.at(first_vote, pos, times)
    created = first_vote - 60_000  # a statement exists a minute before its first vote
    frame = pd.DataFrame(
        {
            "timestamp": created,
            "datetime": _datetimes(created),
            "comment-id": statement_ids,
            "author-id": np.zeros(n, dtype=np.int64),
            "agrees": agrees,
            "disagrees": disagrees,
            "moderated": np.ones(n, dtype=np.int64),
            "comment-body": [
                texts.get(int(t), f"Synthetic statement {int(t)}") for t in statement_ids
            ],
        }
    )
    frame.to_csv(path, index=False, lineterminator="\n")


def _datetimes(ms: np.ndarray) -> np.ndarray:
    """Java-`Date.toString`-like text per timestamp (object array, for the small comments file)."""
    if len(ms) == 0:
        return np.array([], dtype=object)
    raw = _datetime_bytes(np.asarray(ms, dtype=np.int64))
    return np.array([row.tobytes().decode("ascii") for row in raw], dtype=object)


def _datetime_bytes(ms: np.ndarray) -> np.ndarray:
    """`Tue Nov 14 22:13:24 UTC 2023` per timestamp, as an (n, 28) uint8 array.

    The date parts come from a per-day table (few distinct days) and the clock is computed
    arithmetically, so no per-row strftime is needed.
    """
    seconds = ms // 1000
    day = seconds // 86_400
    first = int(day.min()) if len(day) else 0
    n_days = (int(day.max()) - first + 1) if len(day) else 0
    stamps = pd.to_datetime((first + np.arange(n_days)) * 86_400, unit="s", utc=True)
    prefix = _ascii_table(stamps.strftime("%a %b %d "), 11)
    suffix = _ascii_table(stamps.strftime(" UTC %Y"), 9)
    of_day = seconds - day * 86_400
    clock = np.empty((len(ms), 8), dtype=np.uint8)
    for col, value in ((0, of_day // 3600), (3, of_day // 60 % 60), (6, of_day % 60)):
        clock[:, col] = 48 + value // 10
        clock[:, col + 1] = 48 + value % 10
    clock[:, 2] = clock[:, 5] = ord(":")
    index = day - first
    return np.concatenate([prefix[index], clock, suffix[index]], axis=1)


def _ascii_table(texts: pd.Index, width: int) -> np.ndarray:
    raw = np.array([t.encode("ascii")[:width].ljust(width) for t in texts], dtype=f"S{width}")
    return raw.view(np.uint8).reshape(len(texts), width)


_WRITE_CHUNK = 1_000_000


def _render_rows(pieces: list, n: int) -> np.ndarray:
    """CSV text of n rows as a flat uint8 buffer, built column-wise with numpy.

    Each piece is bytes (the same for every row, e.g. a separator), an integer array (decimal,
    variable width) or an (n, w) uint8 array (fixed-width text). Every piece becomes a
    fixed-width slot, numbers right-aligned and padded with NUL bytes; the slots are glued into
    one (n, W) block and the padding is squeezed out with a single boolean mask. This avoids
    per-row offsets and scattered writes, which were ten times slower.
    """
    slots = []
    for piece in pieces:
        if isinstance(piece, bytes):
            slots.append(np.broadcast_to(np.frombuffer(piece, dtype=np.uint8), (n, len(piece))))
        elif piece.ndim == 2:
            slots.append(piece)
        else:
            slots.append(_decimal_slot(piece.astype(np.int64)))
    block = np.concatenate(slots, axis=1) if slots else np.empty((n, 0), dtype=np.uint8)
    return block[block != 0]


def _decimal_slot(x: np.ndarray) -> np.ndarray:
    """Right-aligned decimal digits (and '-') of x in an (n, w) uint8 array, NUL-padded."""
    negative = x < 0
    rest = np.abs(x)
    width = len(str(int(rest.max()))) if len(x) else 1
    if width <= 9:
        rest = rest.astype(np.int32)  # int32 division is markedly faster
    sign = int(negative.any())
    slot = np.zeros((len(x), width + sign), dtype=np.uint8)
    started = np.ones(len(x), dtype=bool)  # the units digit is always written, even for 0
    for k in range(width):
        quotient = rest // 10
        slot[:, width + sign - 1 - k] = np.where(started, 48 + (rest - 10 * quotient), 0)
        rest = quotient
        started = rest > 0
    if sign:  # '-' goes just left of the leading digit
        rows = np.flatnonzero(negative)
        ndigits = (slot[rows, 1:] != 0).sum(axis=1)
        slot[rows, width - ndigits] = ord("-")
    return slot
