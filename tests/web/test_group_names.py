"""Group names are the pages' business: one helper, one Jinja filter, for every blueprint."""

from __future__ import annotations

from web.group_names import group_label


def test_groups_are_lettered_as_on_polis_maps_and_numbered_past_z():
    assert [group_label(g) for g in (0, 1, 25)] == ["A", "B", "Z"]
    assert group_label(26) == "26"


def test_every_template_has_the_filter(app):
    rendered = app.jinja_env.from_string("{{ 2|group_label }} {{ gid|group_label }}").render(gid=0)
    assert rendered == "C A"
