"""The operator commands (`flask --app web <command>`): all in web.commands, all registered, each
with its --help, and a service's refusal reported the same way by every one of them."""

from __future__ import annotations

import importlib
import pkgutil

import click
import pytest
import sqlalchemy as sa

import web.commands
from deliberation.models import Snapshot
from web.commands import COMMANDS
from web.commands.base import OperatorCommand


def _commands_defined_in_web_commands() -> dict[str, click.Command]:
    found = {}
    for module_info in pkgutil.iter_modules(web.commands.__path__, "web.commands."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, click.Command) and value.callback.__module__ == module.__name__:
                found[value.name] = value
    return found


def _every_command(group: click.Group, path=()):
    """(path, command) for every command of the CLI, subcommands of groups (`db`) included."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _every_command(command, (*path, name))


def test_every_operator_command_is_registered_and_made_the_one_way(app):
    defined = _commands_defined_in_web_commands()

    assert set(defined) == {command.name for command in COMMANDS}
    for name, command in defined.items():
        assert isinstance(command, OperatorCommand), name
        assert app.cli.get_command(click.Context(app.cli), name) is command


def test_every_command_answers_help_without_running(app, db):
    runner = app.test_cli_runner()
    paths = [path for path, _ in _every_command(app.cli)]
    assert {("worker",), ("report",), ("db", "upgrade")} <= set(paths)

    for path, command in _every_command(app.cli):
        answer = runner.invoke(args=[*path, "--help"])
        assert answer.exit_code == 0, (path, answer.output)
        assert answer.output.startswith("Usage:"), path
        if path[0] in {command.name for command in COMMANDS}:
            summary = command.get_short_help_str(limit=40).rstrip(".")
            assert summary[:20] in " ".join(answer.output.split()), path
    # Nothing ran: `snapshot --help` took none.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Snapshot)) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["snapshot", "nosuchconversation"],
        ["agenda", "nosuchconversation"],
        ["export", "nosuchconversation", "--out", "unused"],
        ["report", "nosuchconversation", "--format", "json", "--out", "unused.json"],
    ],
)
def test_a_refusal_is_an_error_line_and_exit_code_1(app, args, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    answer = app.test_cli_runner().invoke(args=args)

    assert answer.exit_code == 1, answer.output
    assert answer.output.startswith("Error: "), answer.output
    assert "Traceback" not in answer.output
    assert list(here.iterdir()) == []  # nothing written
