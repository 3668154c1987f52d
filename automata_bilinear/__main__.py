"""``python -m automata_bilinear`` runs the command-line interface."""

import sys

from .cli import console_main

sys.exit(console_main())
