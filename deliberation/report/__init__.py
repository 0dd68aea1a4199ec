"""The plenary report: what a round-table takes out of the room, read from the services at one
moment (assemble), in one plain shape (model) that every export renders.

    model     the report's frozen values
    assemble  `plenary_report(facilitator_id, conversation_id, language)`
    sources   the common agenda and the snapshot, from the services that compute them
    figures   participation over time and the opinion-map sample
    exports   JSON and CSV (language-neutral keys; statement texts in the report's language)
"""

from deliberation.report.assemble import LANGUAGES, opinion_map_points, plenary_report
from deliberation.report.model import PlenaryReport

__all__ = ["LANGUAGES", "PlenaryReport", "opinion_map_points", "plenary_report"]
