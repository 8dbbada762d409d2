"""What env.py hands to Alembic: the `context.configure(...)` calls that the configure_calls
fixture (conftest.py) records, and how it tells env.py's lines from Alembic's own.

Migrations.metadata_problem (migrations.py) reads the calls to advise on what env.py gave
Alembic as target_metadata.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import alembic


@dataclass(frozen=True)
class ConfigureCall:
    """One `context.configure(...)` that env.py made: its arguments and where it is."""

    options: dict[str, Any]
    file: str
    line: int


ALEMBIC_PACKAGE = Path(alembic.__file__).resolve().parent


def is_outside_alembic(filename: str) -> bool:
    """Whether FILENAME is a real file, and not one of Alembic's own (nor its proxies')."""
    path = Path(filename)
    return path.is_file() and not path.resolve().is_relative_to(ALEMBIC_PACKAGE)
