"""Dues rate tables (filled in next)."""


def reload_tables() -> None:
    return None
