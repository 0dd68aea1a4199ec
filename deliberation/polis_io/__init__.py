"""Polis data in and out: importing a Polis export folder, exporting Polis's CSV files or JSON.

`reading` parses and checks the files, `importer` writes a new conversation in one unit of
work, `csv_formats` lays out each exported file, `exporters` gathers what they need from the
database; web.commands.polis offers both as `flask --app web import-polis` and `export`.
`api_documents` builds the JSON of Polis's read API, which web.polis_api serves.
"""

from deliberation.polis_io.exporters import (
    ATTRIBUTION_FILE,
    NO_AUTHOR_PID,
    POLIS_CSV_FILES,
    REPORT_CSV_FILES,
    json_export,
    participant_groups,
    polis_csv_export,
    report_csv_export,
    write_json,
    write_polis_csv,
)
from deliberation.polis_io.importer import (
    POLIS_ATTRIBUTION,
    ImportedConversation,
    import_polis_export,
)

__all__ = [
    "ATTRIBUTION_FILE",
    "NO_AUTHOR_PID",
    "POLIS_ATTRIBUTION",
    "POLIS_CSV_FILES",
    "REPORT_CSV_FILES",
    "ImportedConversation",
    "import_polis_export",
    "json_export",
    "participant_groups",
    "polis_csv_export",
    "report_csv_export",
    "write_json",
    "write_polis_csv",
]
