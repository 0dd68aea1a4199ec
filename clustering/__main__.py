"""`python -m clustering ...`: see clustering/cli.py for the subcommands."""

import sys

from clustering.cli import main

sys.exit(main())
