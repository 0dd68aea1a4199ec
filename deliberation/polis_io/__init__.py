"""Polis data in and out: importing a Polis export folder, exporting Polis's CSV files or JSON.

`reading` parses and checks the files, `importer` writes a new conversation in one unit of
work, `csv_formats` lays out each exported file, `exporters` gathers what they need from the
database, and `commands` offers both as `flask --app web import-polis` and `export`.
"""

from deliberation.polis_io.exporters import (
    ATTRIBUTION_FILE,
    POLIS_CSV_FILES,
    json_export,
    participant_groups,
    polis_csv_export,
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
    "POLIS_ATTRIBUTION",
    "POLIS_CSV_FILES",
    "ImportedConversation",
    "import_polis_export",
    "json_export",
    "participant_groups",
    "polis_csv_export",
    "write_json",
    "write_polis_csv",
]
