"""Coordinated voting: participants who joined close together in time and vote near-identically.

One script posing as a crowd (issue 13) joins many participants in a burst and has them vote
alike, with a few flips to look human. Real people who share a view also vote alike, but on the
statements everybody agrees on: two members of one camp agree with each other far less than a
scripted pair once chance agreement is taken out. The rule:

1. Only participants with at least `min_shared` votes take part (fewer votes say too little).
2. Two of them are *linked* when they joined within `join_window_ms` of each other, voted on at
   least `min_shared` of the same statements, and their chance-corrected agreement on those
   statements is at least `min_agreement`. Agreement is Cohen's kappa (Cohen 1960): observed
   share of identical votes O (agree, disagree and pass are three answers) against the share E
   two people would match by chance, given how the whole conversation voted on each statement
   (sum over the answers of their squared shares, averaged over the shared statements):
   kappa = (O - E) / (1 - E). 0 is chance, 1 is identical beyond what the statements explain.
3. Candidate sets: the connected groups of at least `min_group` participants in which each is
   linked to at least `min_group - 1` others of the group (the (min_group - 1)-core of the link
   graph, Seidman 1983). The core keeps a person with one or two chance links out.
4. A candidate set is coordinated when each member also agrees with the set's own ballot (its
   majority answer per statement) with a kappa of at least `min_set_agreement`, over the
   statements they voted on. Links are pairwise and noisy (two scripted members who each flip
   5% of their votes match on about 90% of them); agreement with the shared ballot is sharper
   (95%), and a real person of like mind who was linked by chance falls below it. Members
   below it are dropped and the ballot and sets are formed again, until every member holds it.

The link graph is built from sparse products over time-ordered blocks of participants, so only
pairs that joined within the window are ever compared: O(n x participants per window), never a
dense n x n matrix. Deterministic: no random step, so no seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from clustering.inputs import VoteRecords
from clustering.matrix import latest_votes

# Participants compared at once against everyone who joined within the window after them.
_BLOCK = 256


@dataclass(frozen=True)
class CoordinationRule:
    """The rule's thresholds, chosen on `python -m benchmarks.coordination` (seeds 13, 1, 2, 3):
    of 200 scripted joins voting 95% alike, at least 97.5% flagged in each of six crowds; of
    the real participants, none in five crowds and 13 of vTaiwan's 1,921 (0.68%: one set that
    joined within 13 minutes and votes alike). Links are lenient (kappa 0.5) and only propose
    sets; the set test (0.65) decides. min_group 8: smaller sets of like-minded people are
    common in real conversations (vTaiwan has one of 5), and 7 accounts move little."""

    join_window_ms: int = 10 * 60 * 1000  # joined within ten minutes of each other
    min_shared: int = 12  # statements both voted on
    min_agreement: float = 0.5  # Cohen's kappa over those statements, to link a pair
    min_group: int = 8  # participants in a coordinated set, each linked to min_group - 1
    min_set_agreement: float = 0.65  # each member's kappa against the set's majority ballot

    def __post_init__(self) -> None:
        if self.join_window_ms < 0 or self.min_shared < 1 or self.min_group < 2:
            raise ValueError("join_window_ms >= 0, min_shared >= 1 and min_group >= 2")
        if not -1.0 <= self.min_agreement <= 1.0:
            raise ValueError("min_agreement is a kappa, between -1 and 1")
        if not -1.0 <= self.min_set_agreement <= 1.0:
            raise ValueError("min_set_agreement is a kappa, between -1 and 1")


@dataclass(frozen=True)
class CoordinatedSets:
    """Flagged participants, ascending, and for each the coordinated set it belongs to.

    `participant_ids` (k,) int64; `set_labels` (k,) int64, 0..n_sets-1 by each set's smallest
    participant id; `links` the number of linked pairs found before the core was taken.
    """

    participant_ids: np.ndarray
    set_labels: np.ndarray
    links: int

    @property
    def n_sets(self) -> int:
        return int(self.set_labels.max()) + 1 if len(self.set_labels) else 0


class CoordinationDetector:
    """Finds coordinated sets in one conversation's votes (estimator shape: `fit` returns self).

    Fitted: `coordinated_` (CoordinatedSets).
    """

    def __init__(self, rule: CoordinationRule | None = None):
        self.rule = rule

    def fit(
        self,
        votes: VoteRecords,
        participant_ids: np.ndarray | None = None,
        joined_ms: np.ndarray | None = None,
    ) -> CoordinationDetector:
        """`votes`: the vote history (latest per participant and statement stands).
        `participant_ids`, `joined_ms`: (p,) when each participant joined, in ms; a voter not
        listed (or all, when None) is taken to have joined at their first vote."""
        self.coordinated_ = find_coordinated_sets(
            votes, participant_ids, joined_ms, self.rule or CoordinationRule()
        )
        return self


def find_coordinated_sets(
    votes: VoteRecords,
    participant_ids: np.ndarray | None = None,
    joined_ms: np.ndarray | None = None,
    rule: CoordinationRule | None = None,
) -> CoordinatedSets:
    """The participants the rule of the module's docstring flags (see CoordinationDetector)."""
    rule = rule or CoordinationRule()
    laid_out = latest_votes(votes)
    matrix = laid_out.matrix
    pids = matrix.participant_ids
    joined = _join_times(pids, laid_out.first_ts, participant_ids, joined_ms)

    csr = matrix.votes
    seen_per_row = np.diff(csr.indptr)
    chance = _chance_agreement(csr)
    keep = np.flatnonzero(seen_per_row >= rule.min_shared)
    if len(keep) < rule.min_group:
        return _nothing()
    keep = keep[np.argsort(joined[keep], kind="stable")]
    i, j = _links(csr[keep], joined[keep], chance, rule)
    alive = np.zeros(len(keep), dtype=bool)
    alive[i] = True
    alive[j] = True
    while True:
        labels = _core_sets(alive, i, j, rule.min_group)
        fitting = _fits_own_set(csr, keep, labels, rule.min_set_agreement)
        if fitting[labels >= 0].all():
            return _numbered(pids[keep], labels, len(i))
        alive &= (labels >= 0) & fitting


def _links(
    ballots: sp.csr_matrix, times: np.ndarray, chance: np.ndarray, rule: CoordinationRule
) -> tuple[np.ndarray, np.ndarray]:
    """Linked pairs (i < j) among the rows of `ballots` (n, m), which are in order of their
    join `times` (n,): joined within the window, sharing `min_shared` statements, kappa at
    least `min_agreement`. Each block of rows is compared only with the rows that joined
    within the window after it."""
    answers = [_answer_indicator(ballots, code) for code in (-1.0, 1.0, 0.0)]
    seen = _answer_indicator(ballots, None)
    seen_weighted = seen @ sp.diags(chance)
    rows, cols = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for start in range(0, len(times), _BLOCK):
        stop = min(start + _BLOCK, len(times))
        end = int(np.searchsorted(times, times[stop - 1] + rule.join_window_ms, side="right"))
        block, later = slice(start, stop), slice(start, end)
        same = sum((answer[block] @ answer[later].T).toarray() for answer in answers)
        shared = (seen[block] @ seen[later].T).toarray()
        expected = (seen_weighted[block] @ seen[later].T).toarray()
        i_index = np.arange(start, stop)[:, None]
        j_index = np.arange(start, end)[None, :]
        close = (j_index > i_index) & (times[j_index] - times[i_index] <= rule.join_window_ms)
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = (same - expected) / (shared - expected)
        linked = close & (shared >= rule.min_shared) & (shared > expected)
        linked &= kappa >= rule.min_agreement
        i, j = np.nonzero(linked)
        rows.append(i + start)
        cols.append(j + start)
    return np.concatenate(rows), np.concatenate(cols)


def _join_times(
    pids: np.ndarray,
    first_vote_ms: np.ndarray,
    participant_ids: np.ndarray | None,
    joined_ms: np.ndarray | None,
) -> np.ndarray:
    """(n,) join time per voter in `pids`: the given one, else their first vote's."""
    joined = np.asarray(first_vote_ms, dtype=np.int64).copy()
    if participant_ids is None or joined_ms is None:
        return joined
    given_pids = np.asarray(participant_ids, dtype=np.int64)
    given_ms = np.asarray(joined_ms, dtype=np.int64)
    if len(given_pids) == 0:
        return joined
    order = np.argsort(given_pids)
    sorted_pids, sorted_ms = given_pids[order], given_ms[order]
    position = np.minimum(np.searchsorted(sorted_pids, pids), len(sorted_pids) - 1)
    matches = sorted_pids[position] == pids
    joined[matches] = sorted_ms[position[matches]]
    return joined


def _chance_agreement(csr: sp.csr_matrix) -> np.ndarray:
    """(m,) per statement, the chance two of its voters gave the same answer: the sum over
    agree, disagree and pass of the squared share of its voters who gave it."""
    by_column = csr.tocsc()
    counts = []
    for code in (-1.0, 1.0, 0.0):
        hits = (by_column.data == code).astype(np.float64)
        counts.append(np.add.reduceat(hits, by_column.indptr[:-1]) if len(hits) else hits)
    voters = np.diff(by_column.indptr).astype(np.float64)
    # reduceat repeats a value for an empty column: those columns have no voters anyway.
    shares = [np.where(voters > 0, c / np.maximum(voters, 1), 0.0) for c in counts]
    return sum(share**2 for share in shares)


def _answer_indicator(csr: sp.csr_matrix, code: float | None) -> sp.csr_matrix:
    """0/1 (n, m) of the cells holding `code` (internal sign), or of every vote (None)."""
    data = np.ones_like(csr.data) if code is None else (csr.data == code).astype(np.float64)
    # Copies of the index arrays: eliminate_zeros compacts them in place.
    out = sp.csr_matrix((data, csr.indices.copy(), csr.indptr.copy()), shape=csr.shape)
    out.eliminate_zeros()
    return out


def _core_sets(alive: np.ndarray, i: np.ndarray, j: np.ndarray, min_group: int) -> np.ndarray:
    """(n,) set label per node, -1 outside every set: the components of size >= min_group of
    the (min_group - 1)-core of the graph on the `alive` nodes with edges i-j."""
    n = len(alive)
    alive = alive.copy()
    while True:
        both = alive[i] & alive[j]
        degree = np.bincount(i[both], minlength=n) + np.bincount(j[both], minlength=n)
        dropping = alive & (degree < min_group - 1)
        if not dropping.any():
            break
        alive &= ~dropping
    both = alive[i] & alive[j]
    graph = sp.coo_matrix((np.ones(int(both.sum())), (i[both], j[both])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels[alive], minlength=n)
    return np.where(alive & (sizes[labels] >= min_group), labels, -1)


def _fits_own_set(
    csr: sp.csr_matrix, keep: np.ndarray, labels: np.ndarray, min_kappa: float
) -> np.ndarray:
    """(len(keep),) whether each member of a set (rows `keep` of `csr`, labelled by `labels`)
    agrees with its set's majority ballot with a kappa of at least `min_kappa`; False outside
    every set. Chance agreement comes from everyone *outside* the set: a large set would
    otherwise make its own ballot look like chance. `csr` (n, m) internal sign."""
    fits = np.zeros(len(labels), dtype=bool)
    answers = (-1.0, 1.0, 0.0)
    for label in np.unique(labels[labels >= 0]):
        members = keep[labels == label]
        outside = np.ones(csr.shape[0], dtype=bool)
        outside[members] = False
        chance = _chance_agreement(csr[np.flatnonzero(outside)])
        ballots = csr[members]
        indicators = [_answer_indicator(ballots, code) for code in answers]
        seen = _answer_indicator(ballots, None)
        # (3, m) how many members gave each answer; the ballot is the most given one.
        tallies = np.vstack([np.asarray(ind.sum(axis=0)).ravel() for ind in indicators])
        ballot = np.argmax(tallies, axis=0)
        same = sum(
            np.asarray(indicators[a] @ (ballot == a).astype(np.float64)).ravel()
            for a in range(len(answers))
        )
        expected = np.asarray(seen @ chance).ravel()
        shared = np.asarray(seen.sum(axis=1)).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = (same - expected) / (shared - expected)
        fits[labels == label] = (shared > expected) & (kappa >= min_kappa)
    return fits


def _numbered(kept_pids: np.ndarray, labels: np.ndarray, links: int) -> CoordinatedSets:
    """The flagged pids ascending, with sets numbered by their smallest participant id, so a
    result reads the same every time."""
    inside = np.flatnonzero(labels >= 0)
    pids = kept_pids[inside]
    order = np.argsort(pids)
    pids, raw = pids[order], labels[inside][order]
    _, first = np.unique(raw, return_index=True)
    renumber = {int(raw[f]): rank for rank, f in enumerate(sorted(first))}
    return CoordinatedSets(pids, np.array([renumber[int(r)] for r in raw], np.int64), links)


def _nothing() -> CoordinatedSets:
    return CoordinatedSets(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
