"""Reading a Polis export folder into plain values, checking every cell on the way.

Two shapes are accepted: the classic export (`votes.csv` + `comments.csv`, and `summary.csv`
if present), or a folder with only `participants-votes.csv`, which holds the standing votes
but neither their times nor the statements' texts. Problems are `InputError`s naming file and
line, raised before anything is written, so a facilitator knows where an export is broken.

Before any file is parsed it is checked whole: no larger than the import's size limit (an
oversized upload is refused before it fills memory) and UTF-8 throughout (a file saved as
Latin-1 or UTF-16 is named with the line of its first foreign byte, rather than imported as
mojibake). Texts that Mesa's own exports neutralised against spreadsheet formulas get their
added quote back off (`csv_formats.restore_neutralised`), so an export imports unchanged.

The vote file goes through `clustering.loaders.read_votes_csv` (its fast path reads millions
of rows in seconds); the small files are read with the csv module in strict mode, so that an
unterminated quote is an error rather than a statement swallowing the rest of the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from clustering.inputs import VoteRecords
from clustering.loaders import (
    MAX_ID,
    InputError,
    comment_rows,
    csv_flag,
    csv_id,
    csv_int,
    csv_records,
    csv_rows,
    read_votes_csv,
)
from deliberation.polis_io.csv_formats import PARTICIPANTS_VOTES_HEADER, restore_neutralised

COMMENT_COLUMNS = ("timestamp", "author-id", "comment-body")  # besides id and moderation
EXPORT_FILES = ("summary.csv", "comments.csv", "votes.csv", "participants-votes.csv")
# Per file. The largest open-data export (vTaiwan) has a 2.6 MB votes.csv; a million votes
# take about 60 MB. Far beyond any real table, yet well within a small server's memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class PolisStatement:
    tid: int
    text: str
    author_pid: int | None
    moderated: int  # 1 accepted, 0 unmoderated, -1 moderated out
    is_meta: bool
    is_seed: bool
    created_ms: int


@dataclass(frozen=True)
class PolisExport:
    """One conversation as exported by Polis.

    `history` holds every cast vote (the latest per participant and statement stands);
    `participant_ids` are the voters, the authors and anyone else the files list, sorted.
    """

    name: str
    topic: str | None
    description: str | None
    statements: tuple[PolisStatement, ...]
    history: VoteRecords
    participant_ids: np.ndarray
    xids: dict[int, str]


def read_polis_export(
    path: str | os.PathLike, *, undated_ms: int, max_file_bytes: int = MAX_FILE_BYTES
) -> PolisExport:
    """Read a Polis export folder. `undated_ms` stands in for times the files do not give;
    a file larger than `max_file_bytes` is refused."""
    folder = os.fspath(path)
    name = os.path.basename(os.path.normpath(folder))
    for file_name in EXPORT_FILES:
        check_file(os.path.join(folder, file_name), max_file_bytes)
    if os.path.isfile(os.path.join(folder, "votes.csv")):
        history = read_votes_csv(os.path.join(folder, "votes.csv"))
        statements = read_comments(os.path.join(folder, "comments.csv"))
        _require_known_statements(os.path.join(folder, "votes.csv"), history, statements)
        listed, xids = np.empty(0, dtype=np.int64), {}
    elif os.path.isfile(os.path.join(folder, "participants-votes.csv")):
        history, listed, xids = read_participants_votes(
            os.path.join(folder, "participants-votes.csv"), undated_ms
        )
        statements = tuple(
            _untold_statement(tid, undated_ms) for tid in np.unique(history.statement_ids).tolist()
        )
    elif not os.path.isdir(folder):
        raise InputError(folder, None, "no such folder")
    else:
        raise InputError(folder, None, "no votes.csv or participants-votes.csv in this folder")
    summary = read_summary(os.path.join(folder, "summary.csv"))
    authors = np.asarray([s.author_pid for s in statements if s.author_pid is not None], np.int64)
    participants = np.unique(np.concatenate([history.participant_ids, authors, listed]))
    return PolisExport(
        name=name,
        topic=summary.get("topic") or None,
        description=summary.get("conversation-description") or None,
        statements=statements,
        history=history,
        participant_ids=participants,
        xids=xids,
    )


def check_file(file: str, max_bytes: int = MAX_FILE_BYTES) -> None:
    """Refuse a file over `max_bytes`, or one that is not UTF-8 text, naming the line."""
    if not os.path.isfile(file):
        return
    size = os.path.getsize(file)
    if size > max_bytes:
        raise InputError(
            file, None, f"{size:,} bytes is larger than the import limit of {max_bytes:,} bytes"
        )
    with open(file, "rb") as raw:
        content = raw.read()
    if content.startswith(_UTF16_BOMS):
        raise InputError(file, 1, "UTF-16 text; save the file as UTF-8 and import it again")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = content.count(b"\n", 0, problem.start) + 1
        column = problem.start - (content.rfind(b"\n", 0, problem.start) + 1) + 1
        byte = content[problem.start]
        raise InputError(
            file,
            line,
            f"not UTF-8 text (byte 0x{byte:02x} at column {column}, perhaps Latin-1 or "
            "Windows-1252); save the file as UTF-8 and import it again",
        ) from None


def _untold_statement(tid: int, created_ms: int) -> PolisStatement:
    """A voted statement whose text and moderation the export leaves out."""
    text = f"Statement {tid} (its text is not in the export)"
    return PolisStatement(tid, text, None, 0, is_meta=False, is_seed=False, created_ms=created_ms)


def read_comments(file: str) -> tuple[PolisStatement, ...]:
    """`comments.csv`: ids, authors, moderation, texts and times; `is-meta`/`is-seed` if present."""
    statements = []
    for line, tid, moderated, row, col in comment_rows(file, COMMENT_COLUMNS):
        author = row[col["author-id"]].strip()
        statements.append(
            PolisStatement(
                tid=tid,
                text=restore_neutralised(row[col["comment-body"]]),
                author_pid=None if author == "" else csv_id(file, line, row, col, "author-id"),
                moderated=moderated,
                is_meta=csv_flag(row, col, "is-meta"),
                is_seed=csv_flag(row, col, "is-seed"),
                created_ms=csv_int(file, line, row, col, "timestamp"),
            )
        )
    return tuple(statements)


def read_summary(file: str) -> dict[str, str]:
    """`summary.csv`: key,value rows without a header; an absent file is an empty summary."""
    if not os.path.isfile(file):
        return {}
    summary: dict[str, str] = {}
    for line, row in csv_records(file):
        if len(row) > 2:
            raise InputError(file, line, f"expected key,value, got {len(row)} fields")
        if row:
            summary[row[0].strip()] = restore_neutralised(row[1]) if len(row) > 1 else ""
    return summary


def read_participants_votes(
    file: str, voted_ms: int
) -> tuple[VoteRecords, np.ndarray, dict[int, str]]:
    """`participants-votes.csv`: the standing votes, the participants listed, their xids.

    The file has no times, so every vote gets `voted_ms`. The counting columns (group-id,
    n-votes…) are derived from the cells and not read.
    """
    pids: list[int] = []
    tids: list[int] = []
    votes: list[int] = []
    xids: dict[int, str] = {}
    first_line: dict[int, int] = {}
    statement_columns: list[tuple[int, int]] = []
    for line, row, col in csv_rows(file, PARTICIPANTS_VOTES_HEADER):
        if not statement_columns:
            statement_columns = _statement_columns(file, list(col))
        pid = csv_id(file, line, row, col, "participant")
        if pid in first_line:
            raise InputError(
                file, line, f"duplicate participant {pid} (first on line {first_line[pid]})"
            )
        first_line[pid] = line
        if "xid" in col and row[col["xid"]].strip():
            xids[pid] = restore_neutralised(row[col["xid"]].strip())
        for index, tid in statement_columns:
            cell = row[index].strip()
            if cell == "":
                continue
            if cell not in ("-1", "0", "1"):
                raise InputError(
                    file, line, f"vote on comment {tid} must be -1, 0, 1 or blank, got {cell!r}"
                )
            pids.append(pid)
            tids.append(tid)
            votes.append(int(cell))
    history = VoteRecords.from_arrays(pids, tids, votes, np.full(len(pids), voted_ms))
    return history, np.fromiter(first_line, dtype=np.int64), xids


def _statement_columns(file: str, header: list[str]) -> list[tuple[int, int]]:
    """(column index, tid) of the vote columns: those after the fixed ones."""
    fixed = set(PARTICIPANTS_VOTES_HEADER) | {"xid"}
    columns = []
    for index, name in enumerate(header):
        if name in fixed:
            continue
        if not (name.isdigit() and int(name) <= MAX_ID):
            raise InputError(file, 1, f"column {name!r} is not a comment id (0 to {MAX_ID})")
        columns.append((index, int(name)))
    return columns


def _require_known_statements(
    file: str, history: VoteRecords, statements: tuple[PolisStatement, ...]
) -> None:
    known = np.fromiter((s.tid for s in statements), dtype=np.int64)
    unknown = np.flatnonzero(~np.isin(history.statement_ids, known))
    if len(unknown):
        i = int(unknown[0])
        tid = int(history.statement_ids[i])
        # read_votes_csv keeps one row per line, so row i is on line i + 2.
        raise InputError(file, i + 2, f"comment-id {tid} is not in comments.csv")
