"""Reading conversations from disk: the only module in `clustering/` that touches files.

Two shapes of input are accepted, detected from the folder's contents:

* a Polis CSV export (`votes.csv` + `comments.csv`, the legacy Clojure exporter's columns), and
* a red-dwarf style fixture (`votes.json` + `comments.json`, the Polis API shape, already in the
  CSV sign convention, agree = +1).

Both come out as the shared `VoteRecords` / `Moderation` types, so nothing downstream needs to
know where the votes came from. Bad input is reported as `InputError` naming the file and line
(or JSON record) at fault, because a facilitator holding a 10-million-row export needs to know
*where* it is broken, not just that pandas could not parse it.

Vote files are read with pandas and explicit integer dtypes (fast path, a few seconds for 10M
rows). Only when that fails do we re-read the file as text to find the first offending line,
so the careful path costs nothing on good input.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clustering.inputs import Moderation, VoteRecords

VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
COMMENT_COLUMNS = ("comment-id", "moderated")
GROUP_COLUMNS = ("participant", "group-id")
_TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y"})
# Polis keeps participant and comment ids in PostgreSQL `integer` columns: an id outside
# 0..2**31-1 was never issued by Polis, and would not fit Mesa's columns either.
MAX_ID = 2**31 - 1
# Beyond int64, a cell cannot be a count of anything; refused rather than wrapped around.
_INT64_LIMIT = 2.0**63


class InputError(Exception):
    """A malformed input file, with the place to look: `file:line: problem`.

    `line` is a 1-based physical line for CSV (the header is line 1), a string such as
    "record 17" for JSON (0-based index into the top-level list), or None when the problem is
    the file as a whole (e.g. it does not exist).
    """

    def __init__(self, file: str | os.PathLike, line: int | str | None, problem: str):
        self.file = os.fspath(file)
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class LoadedConversation:
    """Everything the CLI and benchmarks need from one conversation on disk.

    `statement_ids` lists every statement in the comments file (sorted), including ones nobody
    voted on yet: Polis counts them in `n-cmts`, so they cannot be recovered from the votes.
    """

    votes: VoteRecords
    moderation: Moderation
    statement_ids: np.ndarray  # int64, sorted, unique
    texts: dict[int, str] = field(default_factory=dict)
    source: str = "csv"  # "csv" | "fixture"


# --------------------------------------------------------------------------------------------
# Entry points


def load_conversation(path: str | os.PathLike) -> LoadedConversation:
    """Load a CSV export folder or a fixture folder (or a votes file inside either)."""
    folder = _folder_of(path, ("votes.csv", "votes.json"))
    csv_votes = os.path.join(folder, "votes.csv")
    json_votes = os.path.join(folder, "votes.json")
    if os.path.isfile(csv_votes):
        votes = read_votes_csv(csv_votes)
        moderation, statement_ids, texts = read_comments_csv(os.path.join(folder, "comments.csv"))
        source = "csv"
    elif os.path.isfile(json_votes):
        votes = read_votes_json(json_votes)
        moderation, statement_ids, texts = read_comments_json(os.path.join(folder, "comments.json"))
        source = "fixture"
    elif not os.path.exists(folder):
        raise InputError(folder, None, "no such file or directory")
    else:
        raise InputError(folder, None, "no votes.csv or votes.json in this folder")
    return LoadedConversation(votes, moderation, statement_ids, texts, source)


def load_polis_groups(path: str | os.PathLike) -> dict[int, int]:
    """Polis's own group per participant from `participants-votes.csv` (blank = not grouped).

    Used to score our clustering against Polis's (ARI) in benchmarks.
    """
    file = _file_in(path, "participants-votes.csv")
    _check_header(file, GROUP_COLUMNS)
    df = _read_columns_checked(file, GROUP_COLUMNS, integer=GROUP_COLUMNS, allow_blank={"group-id"})
    keep = df["group-id"].notna().to_numpy()
    pids = df["participant"].to_numpy()[keep].astype(np.int64)
    gids = df["group-id"].to_numpy()[keep].astype(np.int64)
    return dict(zip(pids.tolist(), gids.tolist(), strict=True))


def load_math_json(path: str | os.PathLike) -> dict:
    """A Polis `math-pca2.json` (or one of our results) as a dict."""
    file = _file_in(path, "math-pca2.json")
    data = _read_json(file)
    if not isinstance(data, dict):
        raise InputError(file, 1, f"expected a JSON object, got {type(data).__name__}")
    return data


# --------------------------------------------------------------------------------------------
# CSV export


def read_votes_csv(file: str) -> VoteRecords:
    """`votes.csv` of a Polis export: timestamp, comment-id, voter-id, vote (agree = 1).

    Other columns (datetime, node's `important`) are skipped unparsed, which is what makes
    10M rows load in seconds; the price is that an extra trailing field on a row goes unnoticed.
    A stray comma earlier in a row shifts the ids and is reported.
    """
    _check_header(file, VOTE_COLUMNS)
    parts: list[tuple[np.ndarray, ...]] = []
    first_row = 0  # data rows before the current chunk; line = first_row + index + 2
    reader = pd.read_csv(
        file,
        usecols=list(VOTE_COLUMNS),
        dtype=dict.fromkeys(VOTE_COLUMNS, np.int64),
        skip_blank_lines=False,  # keeps row index == line - 2, and flags blank lines
        encoding="utf-8-sig",
        engine="c",
        chunksize=_VOTE_CHUNK,
    )
    with reader:
        while True:
            try:
                df = next(reader)
            except StopIteration:
                break
            except (ValueError, OverflowError, pd.errors.ParserError) as exc:
                # Non-integer or missing cell in this chunk: re-read just the chunk as text
                # to find the line. Only if that finds nothing (e.g. fractional timestamps)
                # is the whole file read the careful way.
                _raise_parser_error(file, exc)
                _read_columns_checked(file, VOTE_COLUMNS, VOTE_COLUMNS[1:], first_row, _VOTE_CHUNK)
                df = _read_columns_checked(file, VOTE_COLUMNS, integer=VOTE_COLUMNS[1:])
                parts = [_vote_arrays(file, df, 0)]
                break
            parts.append(_vote_arrays(file, df, first_row))
            first_row += len(df)
    if not parts:
        return VoteRecords.empty()
    columns = [np.concatenate(cols) for cols in zip(*parts, strict=True)]
    return VoteRecords(*columns)


_VOTE_CHUNK = 1_000_000


def _vote_arrays(file: str, df: pd.DataFrame, first_row: int) -> tuple[np.ndarray, ...]:
    """(pids, tids, votes int8, timestamps) of one chunk, after checking the vote values."""
    votes = df["vote"].to_numpy()
    bad = np.flatnonzero((votes < -1) | (votes > 1))
    if len(bad):
        i = int(bad[0])
        raise InputError(file, first_row + i + 2, f"vote must be -1, 0 or 1, got {votes[i]}")
    for name in ("comment-id", "voter-id"):
        ids = df[name].to_numpy()
        bad = np.flatnonzero((ids < 0) | (ids > MAX_ID))
        if len(bad):
            i = int(bad[0])
            raise InputError(file, first_row + i + 2, _id_problem(name, ids[i]))
    return (
        df["voter-id"].to_numpy(dtype=np.int64),
        df["comment-id"].to_numpy(dtype=np.int64),
        votes.astype(np.int8),
        df["timestamp"].to_numpy(dtype=np.int64),
    )


def read_comments_csv(file: str) -> tuple[Moderation, np.ndarray, dict[int, str]]:
    """`comments.csv`: statement ids, moderation (1 / 0 / -1, optional `is-meta`) and texts.

    Read with the csv module rather than pandas: comment bodies may span lines, and we want
    physical line numbers in errors. The file is small (one row per statement).
    """
    ids: list[int] = []
    accepted: set[int] = set()
    rejected: set[int] = set()
    meta: set[int] = set()
    texts: dict[int, str] = {}
    for _, tid, moderated, row, col in comment_rows(file):
        ids.append(tid)
        if moderated == 1:
            accepted.add(tid)
        elif moderated == -1:
            rejected.add(tid)
        if csv_flag(row, col, "is-meta"):
            meta.add(tid)
        if "comment-body" in col:
            texts[tid] = row[col["comment-body"]]
    moderation = Moderation(frozenset(accepted), frozenset(rejected), frozenset(meta))
    return moderation, np.array(sorted(ids), dtype=np.int64), texts


def comment_rows(
    file: str, required: Iterable[str] = ()
) -> Iterator[tuple[int, int, int, list[str], dict[str, int]]]:
    """(line, comment-id, moderated, cells, column index by name) of each row of comments.csv.

    Comment ids are checked to be unique integers and `moderated` to be 1, 0 or -1; `required`
    names the columns the caller reads besides.
    """
    first_line: dict[int, int] = {}
    for line, row, col in csv_rows(file, dict.fromkeys((*COMMENT_COLUMNS, *required))):
        tid = csv_id(file, line, row, col, "comment-id")
        if tid in first_line:
            raise InputError(
                file, line, f"duplicate comment-id {tid} (first on line {first_line[tid]})"
            )
        first_line[tid] = line
        moderated = csv_int(file, line, row, col, "moderated")
        if moderated not in (-1, 0, 1):
            raise InputError(file, line, f"moderated must be -1, 0 or 1, got {moderated}")
        yield line, tid, moderated, row, col


def csv_rows(file: str, required: Iterable[str]) -> Iterator[tuple[int, list[str], dict[str, int]]]:
    """(first line, cells, column index by name) of each data row of a CSV file with a header.

    The header must hold the `required` columns and every row as many fields as the header.
    """
    records = csv_records(file)
    _, header = next(records, (1, None))
    if header is None:
        raise InputError(file, 1, "empty file, expected a header line")
    header = [name.strip() for name in header]
    _require_columns(file, header, required)
    col = {name: i for i, name in enumerate(header)}
    for line, row in records:
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(file, line, f"expected {len(header)} fields, got {len(row)}")
        yield line, row, col


def csv_records(file: str) -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV file with the physical line it starts on.

    Strict: an unterminated quote is an error, not a field that swallows the rest of the file.
    """
    if not os.path.isfile(file):
        raise InputError(file, None, "no such file")
    with _open_text(file) as fh:
        reader = csv.reader(fh, strict=True)
        line = 0
        try:
            for row in reader:
                start, line = line + 1, reader.line_num
                yield start, row
        except csv.Error as exc:
            problem = "unterminated quote" if "end of data" in str(exc) else str(exc)
            raise InputError(file, line + 1, f"malformed CSV: {problem}") from None
        except UnicodeDecodeError as exc:
            raise InputError(file, line + 1, f"not UTF-8 text: {exc.reason}") from None


def csv_int(file: str, line: int, row: list[str], col: dict[str, int], name: str) -> int:
    text = row[col[name]].strip()
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or abs(value) >= _INT64_LIMIT:
        raise InputError(file, line, f"{name} must be an integer, got {text!r}") from None
    return value


def csv_id(file: str, line: int, row: list[str], col: dict[str, int], name: str) -> int:
    """A participant or comment id: a whole number from 0 to `MAX_ID`, as Polis issues them."""
    value = csv_int(file, line, row, col, name)
    if not 0 <= value <= MAX_ID:
        raise InputError(file, line, _id_problem(name, value))
    return value


def _id_problem(name: str, value: Any) -> str:
    return f"{name} must be an id from 0 to {MAX_ID}, got {value}"


def csv_flag(row: list[str], col: dict[str, int], name: str) -> bool:
    """A yes/no column such as `is-meta`; absent or blank means no."""
    return name in col and row[col[name]].strip().lower() in _TRUE_WORDS


def _check_header(file: str, required: Iterable[str]) -> None:
    """Missing file / empty file / missing column, reported before pandas gets a chance."""
    if not os.path.isfile(file):
        raise InputError(file, None, "no such file")
    with _open_text(file) as fh:
        header = _header_row(file, csv.reader(fh))
    _require_columns(file, header, required)


def _header_row(file: str, reader: Any) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(file, 1, "empty file, expected a header line") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(file, 1, f"unreadable header: {exc}") from None
    return [h.strip() for h in header]


def _require_columns(file: str, header: list[str], required: Iterable[str]) -> None:
    """The `required` columns are there, and no column is named twice (which of the two a
    reader took would be an accident of its code)."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(file, 1, f"column {name!r} appears twice in the header")
        seen.add(name)
    missing = [c for c in required if c not in header]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise InputError(file, 1, f"missing column {names} (header has: {','.join(header)})")


def _read_columns_checked(
    file: str,
    columns: Iterable[str],
    integer: Iterable[str],
    first_row: int = 0,
    nrows: int | None = None,
    allow_blank: Iterable[str] = (),
) -> pd.DataFrame:
    """Careful read: every cell as text, then report the first non-integer by line number.

    Columns in `columns` but not in `integer` must be numbers (floats allowed, e.g. a
    timestamp with a fraction); cells in `allow_blank` may be empty (returned as NaN).
    `first_row`/`nrows` restrict the read to a slice of the data rows.
    """
    columns, integer, allow_blank = list(columns), set(integer), set(allow_blank)
    try:
        raw = pd.read_csv(
            file,
            usecols=columns,
            skiprows=range(1, first_row + 1) if first_row else None,
            nrows=nrows,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        _raise_parser_error(file, exc)
        raise InputError(file, None, f"unreadable CSV: {exc}") from None
    out: dict[str, np.ndarray] = {}
    first_bad: tuple[int, str] | None = None
    for name in columns:
        text = raw[name].fillna("").str.strip()
        num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        blank = (text == "").to_numpy()
        bad = np.isnan(num) & ~(blank & (name in allow_blank))
        bad |= ~np.isnan(num) & (np.abs(num) >= _INT64_LIMIT)
        if name in integer:
            bad |= ~np.isnan(num) & (num != np.floor(num))
        hits = np.flatnonzero(bad)
        if len(hits) and (first_bad is None or hits[0] < first_bad[0]):
            i = int(hits[0])
            value = text.iloc[i]
            kind = "an integer" if name in integer else "a number"
            problem = f"missing {name}" if value == "" else f"{name} must be {kind}, got {value!r}"
            first_bad = (i, problem)
        exact = name in integer and name not in allow_blank
        # Integers are re-parsed exactly: float64 loses precision above 2**53.
        out[name] = _exact_ints(text) if exact and first_bad is None else num
    if first_bad is not None:
        raise InputError(file, first_row + first_bad[0] + 2, first_bad[1])
    return pd.DataFrame(out)


def _exact_ints(text: pd.Series) -> np.ndarray:
    try:
        return text.astype(np.int64).to_numpy()
    except (ValueError, OverflowError):  # "3.0" style integers
        return pd.to_numeric(text).to_numpy().astype(np.int64)


def _raise_parser_error(file: str, exc: Exception) -> None:
    """pandas' tokenizer errors carry the line ("Expected 5 fields in line 17, saw 6")."""
    if isinstance(exc, UnicodeDecodeError):
        raise InputError(file, None, f"not UTF-8 text: {exc.reason}") from None
    if isinstance(exc, pd.errors.ParserError):
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        problem = str(exc).strip().splitlines()[-1]
        if m is None and (row := re.search(r"EOF inside string starting at row (\d+)", problem)):
            line = int(row.group(1)) + 1  # pandas counts rows from the header, 0
            problem = "unterminated quote: the file ends inside this quoted field"
        if line is not None:
            problem = re.sub(r"^Error tokenizing data\. C error: ", "", problem)
        raise InputError(file, line, problem) from None


# --------------------------------------------------------------------------------------------
# JSON fixtures


def read_votes_json(file: str) -> VoteRecords:
    """`votes.json`: `pid`/`tid` (or `participant_id`/`statement_id`), `vote`, `modified`.

    `modified` may be a number or a numeric string; without it, file order stands in for time.
    """
    records = _read_json_list(file)
    pid_key = _pick_key(file, records, ("pid", "participant_id"))
    tid_key = _pick_key(file, records, ("tid", "statement_id"))
    vote_key = _pick_key(file, records, ("vote",))
    time_key = _pick_key(file, records, ("modified", "created"), required=False)
    if not records:
        return VoteRecords.empty()
    df = pd.DataFrame.from_records(records)
    pids = _json_ints(file, df, pid_key)
    tids = _json_ints(file, df, tid_key)
    votes = _json_ints(file, df, vote_key)
    bad = np.flatnonzero((votes < -1) | (votes > 1))
    if len(bad):
        i = int(bad[0])
        raise InputError(file, f"record {i}", f"vote must be -1, 0 or 1, got {votes[i]}")
    if time_key is None:
        times = np.arange(len(df), dtype=np.int64)
    else:
        times = _json_numbers(file, df, time_key).astype(np.int64)
    return VoteRecords(pids, tids, votes.astype(np.int8), times)


def read_comments_json(file: str) -> tuple[Moderation, np.ndarray, dict[int, str]]:
    """`comments.json`: `tid`/`statement_id`, `mod`/`moderated`, `is_meta`, `txt`."""
    records = _read_json_list(file)
    tid_key = _pick_key(file, records, ("tid", "statement_id"))
    mod_key = _pick_key(file, records, ("mod", "moderated"), required=False)
    accepted: set[int] = set()
    rejected: set[int] = set()
    meta: set[int] = set()
    texts: dict[int, str] = {}
    seen: dict[int, int] = {}
    for i, rec in enumerate(records):
        tid = _json_int(file, i, rec.get(tid_key), tid_key)
        if tid in seen:
            raise InputError(
                file, f"record {i}", f"duplicate {tid_key} {tid} (first in record {seen[tid]})"
            )
        seen[tid] = i
        mod = (
            0
            if mod_key is None or rec.get(mod_key) is None
            else _json_int(file, i, rec[mod_key], mod_key)
        )
        if mod == 1:
            accepted.add(tid)
        elif mod == -1:
            rejected.add(tid)
        elif mod != 0:
            raise InputError(file, f"record {i}", f"{mod_key} must be -1, 0 or 1, got {mod}")
        is_meta = rec.get("is_meta")
        if is_meta is True or str(is_meta).strip().lower() in _TRUE_WORDS:
            meta.add(tid)
        if isinstance(rec.get("txt"), str):
            texts[tid] = rec["txt"]
    moderation = Moderation(frozenset(accepted), frozenset(rejected), frozenset(meta))
    return moderation, np.array(sorted(seen), dtype=np.int64), texts


def _read_json(file: str) -> Any:
    if not os.path.isfile(file):
        raise InputError(file, None, "no such file")
    try:
        with open(file, "rb") as fh:
            return json.loads(fh.read())
    except json.JSONDecodeError as exc:
        raise InputError(
            file, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(file, None, f"not UTF-8 text: {exc.reason}") from None


def _read_json_list(file: str) -> list[dict]:
    data = _read_json(file)
    if not isinstance(data, list):
        raise InputError(file, 1, f"expected a JSON list of records, got {type(data).__name__}")
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise InputError(file, f"record {i}", f"expected an object, got {type(rec).__name__}")
    return data


def _pick_key(
    file: str, records: list[dict], names: tuple[str, ...], required: bool = True
) -> str | None:
    """The first of `names` that the first record uses; every record must then carry it."""
    if not records:
        return names[0]
    key = next((n for n in names if n in records[0]), None)
    if key is None:
        if not required:
            return None
        alternatives = " or ".join(repr(n) for n in names)
        raise InputError(file, "record 0", f"missing field {alternatives}")
    for i, rec in enumerate(records):
        if key not in rec:
            raise InputError(file, f"record {i}", f"missing field {key!r}")
    return key


def _json_ints(file: str, df: pd.DataFrame, key: str) -> np.ndarray:
    col = df[key]
    if pd.api.types.is_integer_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return col.to_numpy(dtype=np.int64)
    nums = _json_numbers(file, df, key)
    bad = np.flatnonzero(nums != np.floor(nums))
    if len(bad):
        i = int(bad[0])
        raise InputError(file, f"record {i}", f"{key} must be an integer, got {col.iloc[i]!r}")
    return nums.astype(np.int64)


def _json_numbers(file: str, df: pd.DataFrame, key: str) -> np.ndarray:
    col = df[key]
    is_bool = (
        col.map(lambda v: isinstance(v, bool)).to_numpy(dtype=bool) if col.dtype == object else None
    )
    nums = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(nums)
    if is_bool is not None:
        bad |= is_bool
    hits = np.flatnonzero(bad)
    if len(hits):
        i = int(hits[0])
        raise InputError(file, f"record {i}", f"{key} must be a number, got {col.iloc[i]!r}")
    return nums


def _json_int(file: str, i: int, value: Any, key: str) -> int:
    if isinstance(value, bool) or value is None:
        raise InputError(file, f"record {i}", f"{key} must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    try:
        f = float(value)
        if f == int(f):
            return int(f)
    except (TypeError, ValueError, OverflowError):
        pass
    raise InputError(file, f"record {i}", f"{key} must be an integer, got {value!r}")


# --------------------------------------------------------------------------------------------
# Paths


def _folder_of(path: str | os.PathLike, names: tuple[str, ...]) -> str:
    """Accept a folder, or one of the named files inside it."""
    path = os.fspath(path)
    if os.path.isfile(path) and os.path.basename(path) in names:
        return os.path.dirname(path) or "."
    return path


def _file_in(path: str | os.PathLike, default_name: str) -> str:
    path = os.fspath(path)
    return os.path.join(path, default_name) if os.path.isdir(path) else path


def _open_text(file: str):
    return open(file, newline="", encoding="utf-8-sig")
