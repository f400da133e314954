"""`python -m bot` is the same as the `cnscd` command."""

import sys

from bot.cli import main

sys.exit(main())
