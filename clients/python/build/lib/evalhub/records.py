"""What the hub answers, as dicts whose keys also read as attributes."""

from __future__ import annotations

from typing import Any


class Record(dict):
    """A dict of a hub object (`version["digest"]` or `version.digest`)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def records(items: list[dict]) -> list[Record]:
    return [Record(item) for item in items]


def frame_or_list(rows: list[dict], columns: list[str]):
    """A pandas DataFrame of `rows` when pandas is installed, else the rows themselves."""
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame(rows, columns=columns)
