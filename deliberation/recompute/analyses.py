"""The slow stage's extra analyses: the common agenda's figures, stored with the slow result.

After the slow stage's pipeline update (same groups as the fast lineage), `slow_update` runs
`clustering.agenda.agenda_analyses` on the same votes, seeded with the conversation's math seed,
and attaches its dict to the result (`PolisResult.attach_agenda`), where
`services.common_agenda` reads it through the result's view (clustering.result_view).
It runs in the slow stage's child process, so the fast stage never waits for it; the one thing
it needs from the database beyond the votes, who declared which sector, is read beforehand by
`participant_sectors` in the worker's thread.

`agenda_document` is the same computation for anyone recomputing it (a cold check, a snapshot
verification): given the same votes, result, sectors and seed it returns the same dict.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_app_context

from clustering.agenda import AgendaParams, agenda_analyses
from clustering.inputs import Moderation, VoteRecords
from clustering.pipeline import PolisParams, PolisResult, update
from deliberation.db import db
from deliberation.models import Conversation, Participant

log = logging.getLogger(__name__)

# Bootstrap sizes; the app's config may lower them (tests, small machines) but not the seed.
RESAMPLES_VARIABLE = "MESA_AGENDA_RESAMPLES"
STABILITY_RESAMPLES_VARIABLE = "MESA_AGENDA_STABILITY_RESAMPLES"
DEFAULT_AGENDA_PARAMS = AgendaParams()


@dataclass(frozen=True)
class SectorInputs:
    """Who declared which sector (pid → sector), and the sectors to report, in order: the
    conversation's declared sectors, then any no longer declared that participants still hold."""

    by_pid: dict[int, str]
    names: list[str]


def participant_sectors(conversation_pk: int) -> SectorInputs:
    """Read in the worker's thread, within the slow stage's read transaction."""
    declared = db.session.scalar(
        sa.select(Conversation.stakeholder_sectors).where(Conversation.id == conversation_pk)
    )
    rows = db.session.execute(
        sa.select(Participant.pid, Participant.sector).where(
            Participant.conversation_id == conversation_pk, Participant.sector.is_not(None)
        )
    ).all()
    by_pid = {int(pid): sector for pid, sector in rows}
    names = list(declared or [])
    names += sorted(set(by_pid.values()) - set(names))
    return SectorInputs(by_pid, names)


@dataclass(frozen=True)
class BootstrapSizes:
    """How many resamples the agenda's intervals and the groups' stability check draw.

    Read from the app's config in the worker's thread and handed to the slow stage's child
    process, which has no app."""

    resamples: int = DEFAULT_AGENDA_PARAMS.resamples
    stability_resamples: int = DEFAULT_AGENDA_PARAMS.stability_resamples

    @classmethod
    def from_config(cls, config: Mapping) -> BootstrapSizes:
        return cls(
            resamples=_count(config, RESAMPLES_VARIABLE, cls.resamples),
            stability_resamples=_count(
                config, STABILITY_RESAMPLES_VARIABLE, cls.stability_resamples
            ),
        )

    @classmethod
    def of_current_app(cls) -> BootstrapSizes:
        """The running app's sizes; the defaults outside an app (a benchmark, a test)."""
        return cls.from_config(current_app.config) if has_app_context() else cls()


def agenda_params(seed: int, sizes: BootstrapSizes | None = None) -> AgendaParams:
    sizes = sizes or BootstrapSizes.of_current_app()
    return AgendaParams(
        seed=seed, resamples=sizes.resamples, stability_resamples=sizes.stability_resamples
    )


def agenda_document(
    votes: VoteRecords,
    moderation: Moderation,
    result: dict,
    sectors: SectorInputs | None,
    seed: int,
    sizes: BootstrapSizes | None = None,
) -> dict:
    """The agenda analyses of a stored (or just computed) result document; JSON-ready, without
    timings, so the same inputs give the same dict."""
    analyses = _analyses(votes, moderation, result, sectors, seed, sizes)
    analyses.pop("timings", None)
    return analyses


def _analyses(
    votes, moderation, result, sectors: SectorInputs | None, seed: int, sizes: BootstrapSizes | None
) -> dict:
    sectors = sectors or SectorInputs({}, [])
    return agenda_analyses(
        votes,
        result,
        moderation,
        sectors=sectors.by_pid,
        sector_names=sectors.names,
        params=agenda_params(seed, sizes),
    )


def slow_update(
    votes: VoteRecords,
    moderation: Moderation,
    previous: dict | None,
    params: PolisParams,
    sectors: SectorInputs | None = None,
    sizes: BootstrapSizes | None = None,
) -> PolisResult:
    """The slow stage's computation: `clustering.pipeline.update`, then the agenda analyses
    stored under mesa.agenda (their seconds are added to the result's timings). Should they
    fail, the result is stored without them (and the error logged): the agenda then shows what
    the fast stage knows, rather than the UMAP map being lost too."""
    result = update(votes, moderation, previous, params)
    document = result.to_dict()
    try:
        analyses = _analyses(votes, moderation, document, sectors, params.seed, sizes)
    except Exception:  # noqa: BLE001 - the map and groups are still worth storing
        log.exception("the agenda analyses failed; storing the slow result without them")
        return result
    timings = analyses.pop("timings", {})
    result.attach_agenda(analyses)
    result.timings.update({f"agenda_{name}": seconds for name, seconds in timings.items()})
    return result


def slow_update_with(sectors: SectorInputs | None) -> Callable[..., PolisResult]:
    """`slow_update` with these sectors and the app's bootstrap sizes, callable as
    `update(votes, moderation, previous, params)` and picklable (a partial of a module-level
    function) for the child process."""
    return functools.partial(slow_update, sectors=sectors, sizes=BootstrapSizes.of_current_app())


def _count(config: Mapping, key: str, default: int) -> int:
    value = config.get(key)
    if value is None or str(value).strip() == "":
        return default
    try:
        return max(int(value), 0)
    except ValueError:
        raise ValueError(f"{key} must be a whole number, got {value!r}") from None
