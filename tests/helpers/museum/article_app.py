"""The article's app, served the way final's fixtures serve final/."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.helpers.museum.client import MuseumClient
from tests.helpers.museum.exhibit import Exhibit
from tests.helpers.museum.final_checks import final_conftest
from tests.helpers.museum.recognisers import Failure
from tests.helpers.repository import REPO_ROOT

ARTICLE_APP = REPO_ROOT / "steps" / "06_main"


@dataclass
class ArticleApp:
    main: ModuleType
    database: ModuleType
    engine: Engine
    client: TestClient


@contextmanager
def serving_the_article(
    package: Any, database_file: Path, *, reveal_unordered_queries: bool
) -> Iterator[ArticleApp]:
    """The article's app (`package`, from the course plugin), its tables in an SQLite file,
    and a started TestClient.

    The engine is set up by final's own helpers, so that SQLite behaves as in final's checks:
    SAVEPOINTs work, and a query without ORDER BY returns its rows in reverse (SQL promises
    no order; SQLite's `reverse_unordered_selects` shows which code relies on one anyway).
    An exhibit can ask for SQLite's usual order instead (`reveal_unordered_queries` False),
    so that bug 7, which no input avoids, stays hidden while it looks for another bug.
    """
    main = package.module("main", asked_by=None)
    database = package.module("database", asked_by=None)
    engine = final_conftest.app_engine_for(database, f"sqlite:///{database_file}")
    final_conftest.let_sqlite_nest_transactions(engine)
    if reveal_unordered_queries:
        final_conftest.reverse_rows_of_unordered_queries(engine)
    database.Base.metadata.create_all(engine)
    with ExitStack() as running:
        with pytest.MonkeyPatch.context() as patch:  # the app's own start-up is left out
            patch.setattr(main.app.router, "lifespan_context", final_conftest.no_start_up)
            client = running.enter_context(TestClient(main.app))
        yield ArticleApp(main, database, engine, client)
    engine.dispose()


ApiFactory = Callable[[], AbstractContextManager[MuseumClient]]


def museum_api(article: ArticleApp, exhibit: Exhibit) -> ApiFactory:
    """Like final's `api` fixture, for the article's app: `with api() as client:`.

    The client avoids the bugs other than the exhibit's; when the block fails, the failure
    is classified while the example's transaction is still open (some evidence needs a
    look at what the database holds).
    """

    @contextmanager
    def open_client() -> Iterator[MuseumClient]:
        with (
            final_conftest.rolled_back(article.engine, article.database) as sessions,
            final_conftest.serving(article.main, article.database, sessions),
        ):
            client = MuseumClient(article.client, avoid=exhibit.others)
            try:
                yield client
            except Exception as error:
                found = exhibit.classify(Failure(error, client))
                if found is None:
                    raise
                raise found from error

    return open_client
