"""An opinion group's name wherever people read it: a page, the console, a chart of the report.

Naming is presentation, so it is done here, not by the math (which numbers groups 0, 1, ...).
Pages use the `group_label` filter (`{{ group.id|group_label }}`), which each blueprint that
shows groups registers with `bp.add_app_template_filter(group_label)`.
"""

from __future__ import annotations


def group_label(group_id: int) -> str:
    """Letters, as on Polis's maps: group 0 is "A"; past "Z", the number itself."""
    return chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id)
