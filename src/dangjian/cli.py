"""The `dangjian` console script: Django's management commands under one name.

`dangjian migrate`, `dangjian serve`, `dangjian demo`, `dangjian metrics show …` and every
other management command go through Django's own dispatcher, so the script needs no
command list of its own and a new app's command is available as soon as it exists.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `dangjian` script (also `python -m dangjian.cli`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["dangjian", *argv])
    args[0] = "dangjian"  # shown as the program name in usage and help texts
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
