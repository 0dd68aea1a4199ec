"""The per-process table of what a web process keeps between requests (deliberation.remembered)."""

from deliberation.remembered import Remembered


def test_it_keeps_at_most_its_size_and_forgets_the_oldest_written_first():
    table = Remembered(2)
    table.keep("a", 1)
    table.keep("b", 2)
    table.keep("a", 3)  # written again: now the newest
    table.keep("c", 4)
    assert len(table) == 2
    assert (table.get("a"), table.get("b"), table.get("c")) == (3, None, 4)
