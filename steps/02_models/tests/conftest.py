"""Step 02's fixture: the check's empty database, once it has an `items` table to look at.

The fixtures every step shares (test_engine, database, models...) are in steps/conftest.py;
the helpers the checks call are in tables.py, declarations.py and rows.py.
"""

from types import ModuleType

import pytest
from sqlalchemy import Engine, inspect

from .tables import NO_ITEMS_TABLE, why_no_items_table


@pytest.fixture
def fresh_database(test_engine: Engine, database: ModuleType, models: ModuleType) -> Engine:
    """The check's empty database, once we know it has an `items` table to look at."""
    tables = inspect(test_engine).get_table_names()
    if "items" not in tables:
        pytest.fail(
            f"{NO_ITEMS_TABLE}\n{why_no_items_table(database, models, tables)}", pytrace=False
        )
    return test_engine
