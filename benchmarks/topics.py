"""Topics section: `python -m benchmarks.topics [--quick]` (also `benchmarks.run --only topics`).

Table 1, suggested subcommittees on the demo conversation: each seed statement of
`demo/round_table.toml` is labelled with the subcommittee it was written for; the demo's
simulated evening (deliberation.demo, seed 0, 240 participants) gives the votes. For the text,
votes and both signals, suggestions (clustering.subcommittees) are scored against the labels:
accuracy and macro F1 (scikit-learn), meta statements left out: from the statement's own words,
with its co-vote neighbours' added, and through the topics of each view.
Table 2, NMF against LDA on the five open-data conversations (moderated-out statements left
out): topics chosen, mean NPMI of the topics' top terms, share of statements in two or more
topics, and the time from texts to fitted topics (choice of k included).
Table 3, the same for the text+votes view on the open data (co-vote affinities of the real votes).
Table 4, time for 10,000 synthetic statements (NMF, k chosen): the text view alone, and
everything the worker computes with 5,000 participants' votes; goal < 30 s.
`python -m benchmarks.topics --large-only 10000` prints table 4 alone.
Table 5, near-duplicates (clustering.near_duplicates) on the 112 hand-labelled pairs of
`tests/data/near-duplicates/pairs.csv`: precision and recall at the threshold in use, and
leave-one-conversation-out (each conversation scored at the threshold with the best F1 on the
other three), for the rule in use and rapidfuzz scorers alone.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import accuracy_score, f1_score

from benchmarks.common import REPO, Options, Section, Table, progress
from clustering.subcommittees import (
    best_subcommittee,
    charter_space,
    charter_text,
    statement_scores,
    topic_fit,
)
from clustering.text_features import text_features
from clustering.topic_document import TopicInputs, topic_document
from clustering.topic_quality import multi_topic_share
from clustering.topics import TopicModel, covote_affinity, statement_features

OPEN_DATA = REPO / "tests" / "data" / "polis-open-data"
DEMO = REPO / "demo" / "round_table.toml"
PAIRS = REPO / "tests" / "data" / "near-duplicates" / "pairs.csv"
DEMO_PARTICIPANTS = 240
LARGE_STATEMENTS = 10_000
LARGE_GOAL_S = 30.0
ACCURACY_GOAL = 0.8
LARGE_VOTERS = 5_000
LARGE_VOTES_EACH = 60
LARGE_CHARTERS = (
    ("Acceso a la justicia", "Fiscalías, jueces, denuncias y juicios."),
    ("Respuesta inmediata", "Llamadas de emergencia, patrullas y tiempos de respuesta."),
    ("Indicadores", "Cifras, datos abiertos, metas y presupuesto."),
)
DEMO_LANGUAGES = ("es", "en")


def run(options: Options, statements: int | None = None) -> Section:
    demo = _demo_table()
    quality = _open_data_tables()
    if statements is None:
        statements = LARGE_STATEMENTS // 5 if options.quick else LARGE_STATEMENTS
    large = _large_table(statements)
    return Section("topics", [demo, *quality, large, near_duplicate_table()])


def _demo_table() -> Table:
    from deliberation.demo import read_scenario, simulate_evening

    progress("topics: demo conversation")
    document = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    names = list(document["subcommittees"])
    statements = document["statements"]
    labelled = np.array([s.get("subcommittee") is not None for s in statements])
    truth = [names.index(s["subcommittee"]) for s in statements if s.get("subcommittee")]

    scenario = read_scenario(DEMO)
    evening = simulate_evening(scenario, seed=0, participants=DEMO_PARTICIPANTS)
    votes = sp.lil_matrix((len(evening), len(statements)))
    for row, participant in enumerate(evening):
        for index, vote, _at in participant.votes:
            votes[row, index] = vote
    affinity = covote_affinity(votes.tocsr())

    rows: dict[tuple[str, str, str], list[str]] = {}
    topic_counts: dict[str, list[str]] = {}  # view -> k per language
    for language in DEMO_LANGUAGES:
        texts = [s[language] for s in statements]
        charters = [
            charter_text(document["subcommittees"][n][language],
                         document["subcommittees"][n]["description"][language])
            for n in names
        ]  # fmt: skip
        text = text_features(texts)
        matching = charter_space(text)
        spaces = {
            "stems (before)": (text.matrix, text.transform(charters)),
            "stems + 4-5-grams": (matching.statements, matching.transform(charters)),
        }
        for features, (space, described) in spaces.items():
            for signal, covote, own_words in (
                ("text", None, True),
                ("votes", affinity, False),
                ("both", affinity, True),
            ):
                scores = statement_scores(space, described, covote=covote, own_words=own_words)
                key = (signal, f"charter fit, {features}", "-")
                rows.setdefault(key, []).extend(_scores(truth, scores, labelled))
        for view in ("text", "votes", "both"):
            features = statement_features(view, text=text, covote=affinity)
            model = TopicModel().fit(features, text)
            via_topics = model.shares_ @ topic_fit(model.term_weights_, text.transform(charters))
            key = (view, "topics", "topics")
            rows.setdefault(key, []).extend(_scores(truth, via_topics, labelled))
            topic_counts.setdefault(view, []).append(str(model.n_topics_))
    table = Table(
        f"Suggested subcommittees on the demo ({len(truth)} labelled statements, "
        f"{len(names)} subcommittees)",
        [
            "signal",
            "suggestion from",
            "topics",
            *(
                f"{column} ({language})"
                for language in DEMO_LANGUAGES
                for column in ("accuracy", "macro F1")
            ),
        ],
        notes=[
            f"goal: accuracy >= {ACCURACY_GOAL} with text and votes together (es: the "
            "conversation's primary language; en: its translation, the same labels and votes)",
            "charters: each subcommittee's name and description (clustering.subcommittees."
            "charter_text), as the worker matches them",
            "text: cosine of the statement with each charter; votes: the affinity-weighted mean "
            "of its co-vote neighbours' cosines, its own left out; both: the two added",
            "stems + 4-5-grams: clustering.subcommittees.charter_space, what the worker uses",
            "the demo's votes are simulated from three opinion camps that vote by camp, not by "
            "subject: co-votes say which camp a statement pleases, so votes alone are at chance "
            "(0.2 for five subcommittees) and help only as a tie-breaker beside the words",
            "topics: the statement's topic shares times each topic's fit with the charters "
            "(k chosen per language: es/en)",
        ],
    )
    for (signal, source, topics), cells in rows.items():
        if topics == "topics":
            topics = "/".join(topic_counts[signal])
        table.rows.append([signal, source, topics, *cells])
    return table


def _scores(truth: Sequence[int], scores: np.ndarray, labelled: np.ndarray) -> list[str]:
    predicted = best_subcommittee(scores)[labelled]
    accuracy = accuracy_score(truth, predicted)
    macro_f1 = f1_score(truth, predicted, average="macro", zero_division=0)
    return [f"{accuracy:.2f}", f"{macro_f1:.2f}"]


def open_data_statements(folder: Path) -> tuple[list[str], sp.csr_matrix]:
    """Texts of the statements not moderated out, and their votes (CSV sign, latest vote)."""
    from clustering.loaders import load_conversation
    from clustering.matrix import build_rating_matrix

    loaded = load_conversation(folder)
    matrix = build_rating_matrix(loaded.votes)
    columns = {int(tid): j for j, tid in enumerate(matrix.statement_ids)}
    kept = [
        tid
        for tid in loaded.statement_ids.tolist()
        if tid not in loaded.moderation.rejected and loaded.texts.get(tid, "").strip()
    ]
    votes = -matrix.votes  # internal sign (agree −1) to the CSV sign (agree +1)
    present = [columns.get(tid) for tid in kept]
    picked = sp.lil_matrix((matrix.shape[0], len(kept)))
    for j, column in enumerate(present):
        if column is not None:
            picked[:, j] = votes[:, column]
    return [loaded.texts[tid] for tid in kept], sp.csr_matrix(picked)


def _open_data_tables() -> list[Table]:
    method_table = Table(
        "NMF and LDA on the open data (text view, k chosen by coherence)",
        [
            "conversation",
            "statements",
            "method",
            "topics",
            "NPMI",
            "multi-topic",
            "wall (s)",
            "CPU (s)",
        ],
        notes=[
            "NPMI: mean over topics of the pairwise NPMI of their 5 most distinctive terms",
            "multi-topic: share of statements holding >= 0.25 of two or more topics",
            "vtaiwan.uberx is Chinese: its terms are character pairs, and overlapping pairs "
            "inflate NPMI",
        ],
    )
    view_table = Table(
        "Text and votes on the open data (NMF)",
        ["conversation", "view", "topics", "NPMI", "multi-topic", "wall (s)", "CPU (s)"],
        notes=[
            "times include the co-vote affinities for the votes and both views; wall time "
            "grows when others share the machine, CPU time much less",
        ],
    )
    for folder in sorted(p for p in OPEN_DATA.iterdir() if p.is_dir()):
        progress(f"topics: {folder.name}")
        texts, votes = open_data_statements(folder)
        for method in ("nmf", "lda"):
            started, cpu_started = time.perf_counter(), time.process_time()
            text = text_features(texts)
            model = TopicModel(method=method).fit(statement_features("text", text=text), text)
            times = [f"{t:.2f}" for t in _since(started, cpu_started)]
            method_table.rows.append(
                [folder.name, str(len(texts)), method, *_quality(model), *times]
            )
        for view in ("text", "votes", "both"):
            started, cpu_started = time.perf_counter(), time.process_time()
            text = text_features(texts)
            affinity = covote_affinity(votes) if view != "text" else None
            features = statement_features(view, text=text, covote=affinity)
            model = TopicModel().fit(features, text)
            times = [f"{t:.2f}" for t in _since(started, cpu_started)]
            view_table.rows.append([folder.name, view, *_quality(model), *times])
    return [method_table, view_table]


def _quality(model: TopicModel) -> list[str]:
    return [
        str(model.n_topics_),
        f"{np.nanmean(model.coherence_):.3f}",
        f"{multi_topic_share(model.membership_):.2f}",
    ]


def synthetic_statements(count: int, seed: int = 0) -> list[str]:
    """`count` statements of 8-25 words drawn from the open data's vocabulary, by theme.

    Each statement mixes one or two themes (a conversation's own statements, shuffled), so the
    vocabulary size and sparsity are those of real statements at ten times the scale.
    """
    rng = np.random.default_rng(seed)
    themes = []
    for folder in sorted(p for p in OPEN_DATA.iterdir() if p.is_dir()):
        if folder.name.startswith("vtaiwan"):
            continue
        with open(folder / "comments.csv", encoding="utf-8", newline="") as comments:
            words = " ".join(row["comment-body"] for row in csv.DictReader(comments)).split()
        themes.append(np.array(words))
    out = []
    for _ in range(count):
        picked = rng.choice(len(themes), size=rng.integers(1, 3), replace=False)
        length = int(rng.integers(8, 26))
        words = np.concatenate([rng.choice(themes[t], size=length) for t in picked])
        out.append(" ".join(words[: length + 5]))
    return out


def synthetic_votes(statements: int, seed: int = 0) -> sp.csr_matrix:
    """LARGE_VOTERS participants, each voting on LARGE_VOTES_EACH statements at random
    (agree, disagree or pass alike): the shape of a big evening's co-votes, for timing."""
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(LARGE_VOTERS), LARGE_VOTES_EACH)
    cols = rng.integers(0, statements, size=len(rows))
    values = rng.choice([-1.0, 0.0, 1.0], size=len(rows))
    votes = sp.csr_matrix((values, (rows, cols)), shape=(LARGE_VOTERS, statements))
    votes.sum_duplicates()
    votes.data = np.clip(votes.data, -1, 1)
    return votes


def _large_table(count: int) -> Table:
    progress(f"topics: {count} synthetic statements")
    texts = synthetic_statements(count)
    votes = synthetic_votes(count)
    charters = [charter_text(n, d) for n, d in LARGE_CHARTERS]
    table = Table(
        f"Time for {count:,} statements (NMF, k chosen)",
        ["view", "statements", "terms", "topics", "wall (s)", "CPU (s)", "goal (s)"],
        notes=[
            "text: text features and topics (TopicModel alone); both: what the worker's child "
            "computes (clustering.topic_document): co-vote affinities of "
            f"{LARGE_VOTERS:,} participants x {LARGE_VOTES_EACH} random votes, topics of text "
            "and votes, each topic's and statement's suggested subcommittee",
            "CPU: this process's CPU time, all threads; wall time grows when others share the "
            "machine",
        ],
    )
    inputs = TopicInputs(
        tids=list(range(count)),
        texts=texts,
        votes=votes,
        subcommittee_ids=list(range(len(charters))),
        charters=charters,
        seed=0,
    )
    # The worker's computation first, while no word of these statements has been stemmed yet
    # (as in the worker's child meeting a conversation's words for the first time).
    started, cpu_started = time.perf_counter(), time.process_time()
    document = topic_document(inputs)
    both_row = [len(document["topics"]), *_since(started, cpu_started)]
    started, cpu_started = time.perf_counter(), time.process_time()
    text = text_features(texts)
    model = TopicModel().fit(statement_features("text", text=text), text)
    text_row = [model.n_topics_, *_since(started, cpu_started)]
    terms = text.matrix.shape[1]
    for view, (topics, wall, cpu) in (("text", text_row), (document["view"], both_row)):
        table.rows.append(
            [
                view,
                f"{count:,}",
                f"{terms:,}",
                str(topics),
                f"{wall:.1f}",
                f"{cpu:.1f}",
                f"{LARGE_GOAL_S:.0f}",
            ]
        )
    table.notes.append(f"1-minute load average at the end: {os.getloadavg()[0]:.1f}")
    return table


def _since(started: float, cpu_started: float) -> tuple[float, float]:
    """(wall, CPU) seconds since the two readings."""
    return time.perf_counter() - started, time.process_time() - cpu_started


def near_duplicate_table() -> Table:
    from rapidfuzz import fuzz

    from clustering.near_duplicates import DUPLICATE_THRESHOLD, normalise, similarity

    with open(PAIRS, encoding="utf-8", newline="") as pairs_file:
        pairs = list(csv.DictReader(pairs_file))
    truth = np.array([int(p["near_duplicate"]) for p in pairs], dtype=bool)
    conversation = np.array([p["conversation"] for p in pairs])
    scorers = {
        "in use (set if >= 4 words, else ratio)": similarity,
        "token_sort_ratio": lambda a, b: fuzz.token_sort_ratio(normalise(a), normalise(b)),
        "token_set_ratio": lambda a, b: fuzz.token_set_ratio(normalise(a), normalise(b)),
        "WRatio": lambda a, b: fuzz.WRatio(normalise(a), normalise(b)),
        "ratio": lambda a, b: fuzz.ratio(normalise(a), normalise(b)),
    }
    table = Table(
        f"Near-duplicates on {len(pairs)} hand-labelled pairs ({truth.sum()} near-duplicates)",
        ["scorer", "threshold", "precision", "recall", "held-out precision", "held-out recall"],
        notes=["held-out: each conversation at the best-F1 threshold of the other three"],
    )
    for name, scorer in scorers.items():
        scores = np.array([scorer(p["text_a"], p["text_b"]) for p in pairs])
        threshold = (
            DUPLICATE_THRESHOLD if name.startswith("in use") else _best_threshold(scores, truth)
        )
        held_out = np.zeros(len(pairs), dtype=bool)
        for name_out in np.unique(conversation):
            train = conversation != name_out
            cut = _best_threshold(scores[train], truth[train])
            held_out[~train] = scores[~train] >= cut
        table.rows.append(
            [
                name,
                f"{threshold:.0f}",
                *_precision_recall(scores >= threshold, truth),
                *_precision_recall(held_out, truth),
            ]
        )
    return table


def _best_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """The lowest threshold of 50..100 with the best F1."""
    return float(max(range(50, 101), key=lambda t: (f1_score(truth, scores >= t), -t)))


def _precision_recall(predicted: np.ndarray, truth: np.ndarray) -> list[str]:
    hits = int((predicted & truth).sum())
    return [f"{hits / max(int(predicted.sum()), 1):.2f}", f"{hits / max(int(truth.sum()), 1):.2f}"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.topics", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="2,000 synthetic statements")
    parser.add_argument(
        "--large-only",
        type=int,
        metavar="N",
        help="only the timing table, for N synthetic statements (10000: the goal's size)",
    )
    args = parser.parse_args(argv)
    if args.large_only:
        print(_large_table(args.large_only).to_markdown(), flush=True)
        return 0
    for table in run(Options(quick=args.quick)).tables:
        print(table.to_markdown(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
