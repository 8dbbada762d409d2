"""Step 04's fixture: what the database really holds, as a new session reads it.

The fixtures every step shares (db_session, fresh_session, item_factory...) are in
steps/conftest.py; the helpers the checks call are in items.py, calls.py and update_advice.py.
"""

from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.orm import Session

from .items import ReadBack, fields_of


@pytest.fixture(scope="module")
def read_back(models: ModuleType) -> ReadBack:
    """`read_back(db, item_id)`: the item's fields as the database really holds them, or None.

    Anything `db` did not commit is rolled back first, and the row is read with a new
    session: an operation that forgot `db.commit()` looks as if it never happened.
    """

    def read(db: Session, item_id: int) -> dict[str, Any] | None:
        db.rollback()
        with Session(db.get_bind()) as other_session:
            row = other_session.get(models.Item, item_id)
            return None if row is None else fields_of(row)

    return read
