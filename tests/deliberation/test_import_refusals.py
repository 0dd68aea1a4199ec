"""Numbers and headers the Polis import must refuse (issue 13, point 15): a voter id too large
to be anyone, a negative id, a column named twice. Each is an `error:` line naming file and
line, exit status 2, and nothing written."""

from __future__ import annotations

import pytest

from tests.deliberation.test_import_hardening import (
    COMMENTS,
    folder_with,
    refused_by_cli,
    row_counts,
)

VOTES_HEADER = "timestamp,datetime,comment-id,voter-id,vote\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"votes.csv": VOTES_HEADER + "1000,x,0,1e23,1\n"}, "votes.csv:2: voter-id"),
        ({"votes.csv": VOTES_HEADER + "1000,x,0,99999999999999999999999,1\n"}, "votes.csv:2"),
        ({"votes.csv": VOTES_HEADER + "1000,x,0,0,1\n1000,x,0,-3,1\n"}, "votes.csv:3: voter-id"),
        ({"votes.csv": VOTES_HEADER + "1000,x,-1,0,1\n"}, "votes.csv:2: comment-id"),
        ({"votes.csv": VOTES_HEADER + "1000,x,0,2147483648,1\n"}, "votes.csv:2: voter-id"),
        (
            {"votes.csv": "timestamp,datetime,comment-id,voter-id,voter-id,vote\n1,x,0,0,5,1\n"},
            "votes.csv:1: column 'voter-id' appears twice",
        ),
        (
            {"comments.csv": COMMENTS.replace("agrees,", "comment-id,", 1)},
            "comments.csv:1: column 'comment-id' appears twice",
        ),
        (
            {
                "comments.csv": COMMENTS.replace("1100,x,1,1,", "1100,x,-4,1,", 1),
                "votes.csv": VOTES_HEADER + "1000,x,0,0,1\n",
            },
            "comments.csv:3: comment-id",
        ),
        (
            {"comments.csv": COMMENTS.replace("1000,x,0,0,", "1000,x,0,-2,", 1)},
            "comments.csv:2: author-id",
        ),
    ],
)
def test_out_of_range_ids_and_a_repeated_column_are_refused(app, tmp_path, files, expected):
    folder = folder_with(tmp_path, **files)
    before = row_counts()
    output = refused_by_cli(app, folder)
    assert expected in output, output
    assert "Traceback" not in output
    assert row_counts() == before


def test_participants_votes_refuses_a_negative_participant(app, tmp_path):
    folder = tmp_path / "pv"
    folder.mkdir()
    (folder / "participants-votes.csv").write_text(
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0\n-5,0,0,1,1,0,1\n"
    )
    before = row_counts()
    output = refused_by_cli(app, folder)
    assert "participants-votes.csv:2: participant" in output, output
    assert row_counts() == before
