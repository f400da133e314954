"""Sub-commands of the feature modules (FAQ, tasks, reminders, reports), registered on `cnscd`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

GROUPS: list[Callable[[argparse._SubParsersAction], None]] = []
