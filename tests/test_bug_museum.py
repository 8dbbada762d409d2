"""The bug museum: final's own general checks find the article's bugs by themselves.

final/README.md lists what the article's app (the snapshot in steps/06_main) gets wrong, and
final/tests holds checks written for *every* request, not for one bug: a Hypothesis property
("any invalid PATCH is a 422 and changes nothing") and a state machine ("the API behaves like
a dict of items"). Each test below is one exhibit: it runs one of those checks, unchanged,
against the article's app, and expects it to find one particular bug on its own.

How an exhibit for bug X works:

1. The check comes from final/tests as it is; the museum only gives it another `api`: a
   client of the article's app whose requests run in one rolled-back transaction, as final's
   own `api` fixture does for final/.
2. The article's app has several bugs, and left alone Hypothesis would report whichever is
   easiest to hit. So, before each request, the client calls `assume()` against the OTHER
   known bugs: an example whose request would show one of them (a null title, when X is
   about NUL characters) is thrown away, and Hypothesis draws another. The strategies stay
   final's; nothing steers them towards X.
3. When the check fails, the museum looks at what happened (the request, the answer, the
   error, and what the database holds now) and, only if it is bug X, raises X's exception.
   Any other failure stays what it was, with a note saying it is not X.
4. The test is `xfail(strict=True, raises=<X's exception>)`: it counts as expected only when
   the check found X. If the check finds nothing, the test fails with a message saying so;
   if it fails in another way, the test fails with that failure.

The missing PUT route (a 405) has no exhibit: it is a feature the article never had, so the
museum's state machine never calls PUT.

Each exhibit prints, when run with `--runxfail`, the smallest example Hypothesis found:

    .venv/bin/pytest tests/test_bug_museum.py --runxfail

final/README.md ("The bug museum") shows them. The machinery (the known bugs, the client,
the recognisers, the runs) is in tests/helpers/museum/; this module keeps the exhibits.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.museum.article_app import ARTICLE_APP, ArticleApp, serving_the_article
from tests.helpers.museum.exhibit import (
    Exhibit,
    IdBeyond64BitsIs500,
    ListHasNoOrder,
    NonFiniteNumberIsMishandled,
    NulInTitleIsStored,
    NullAvailabilityIsStored,
    NullTitleOrPriceIs500,
    PatchSkipsTheTitleRules,
)
from tests.helpers.museum.known_bugs import (
    ID_BEYOND_64_BITS,
    IMPOSSIBLE_ID_IS_A_404,
    NO_ORDER_BY,
    NON_FINITE_NUMBER,
    NUL_IN_TEXT,
    NULL_AVAILABILITY,
    NULL_TITLE_OR_PRICE,
    TITLE_OUTSIDE_THE_RULES,
)
from tests.helpers.museum.recognisers import (
    id_beyond_64_bits_is_500,
    list_has_no_order,
    non_finite_number_is_mishandled,
    nul_in_title_is_stored,
    null_availability_is_stored,
    null_title_or_price_is_500,
    patch_skips_the_title_rules,
)
from tests.helpers.museum.runs import run_the_invalid_patch_property, run_the_state_machine


@pytest.fixture
def article(
    app_package_at: Callable[[Path], Any], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ArticleApp]:
    """The article's app, its tables in an SQLite file, and a started TestClient.

    A query without ORDER BY returns its rows in reverse, which shows bug 7; an exhibit that
    looks for another bug can ask for SQLite's usual order (`indirect` parameter False).
    """
    reveal_unordered_queries: bool = getattr(request, "param", True)
    with serving_the_article(
        app_package_at(ARTICLE_APP),
        tmp_path / "museum.db",
        reveal_unordered_queries=reveal_unordered_queries,
    ) as app:
        yield app


# --- The exhibits -------------------------------------------------------------------------
NULL_AVAILABILITY_EXHIBIT = Exhibit(
    NULL_AVAILABILITY, NullAvailabilityIsStored, null_availability_is_stored
)
NULL_TITLE_OR_PRICE_EXHIBIT = Exhibit(
    NULL_TITLE_OR_PRICE, NullTitleOrPriceIs500, null_title_or_price_is_500
)
TITLE_RULES_EXHIBIT = Exhibit(
    TITLE_OUTSIDE_THE_RULES, PatchSkipsTheTitleRules, patch_skips_the_title_rules
)
NON_FINITE_EXHIBIT = Exhibit(
    NON_FINITE_NUMBER, NonFiniteNumberIsMishandled, non_finite_number_is_mishandled
)
NUL_EXHIBIT = Exhibit(NUL_IN_TEXT, NulInTitleIsStored, nul_in_title_is_stored)
ID_BEYOND_64_BITS_EXHIBIT = Exhibit(
    ID_BEYOND_64_BITS,
    IdBeyond64BitsIs500,
    id_beyond_64_bits_is_500,
    tolerated=(IMPOSSIBLE_ID_IS_A_404,),
)
NO_ORDER_EXHIBIT = Exhibit(NO_ORDER_BY, ListHasNoOrder, list_has_no_order)


@pytest.mark.xfail(strict=True, raises=NullAvailabilityIsStored, reason=NULL_AVAILABILITY.name)
def test_bug_1_a_null_availability_is_stored(article: ArticleApp) -> None:
    run_the_invalid_patch_property(article, "is_available", NULL_AVAILABILITY_EXHIBIT)


@pytest.mark.xfail(strict=True, raises=NullTitleOrPriceIs500, reason=NULL_TITLE_OR_PRICE.name)
@pytest.mark.parametrize("field", ["title", "price"])
def test_bug_2_a_null_title_or_price_is_a_500(article: ArticleApp, field: str) -> None:
    run_the_invalid_patch_property(article, field, NULL_TITLE_OR_PRICE_EXHIBIT)


@pytest.mark.xfail(strict=True, raises=PatchSkipsTheTitleRules, reason=TITLE_OUTSIDE_THE_RULES.name)
def test_bug_3_patch_skips_the_title_rules(article: ArticleApp) -> None:
    run_the_invalid_patch_property(article, "title", TITLE_RULES_EXHIBIT)


@pytest.mark.xfail(strict=True, raises=NonFiniteNumberIsMishandled, reason=NON_FINITE_NUMBER.name)
def test_bug_4_a_non_finite_price_is_mishandled(article: ArticleApp) -> None:
    run_the_invalid_patch_property(article, "price", NON_FINITE_EXHIBIT)


@pytest.mark.xfail(strict=True, raises=NulInTitleIsStored, reason=NUL_IN_TEXT.name)
def test_bug_6_a_nul_in_a_title_is_stored(article: ArticleApp) -> None:
    run_the_invalid_patch_property(article, "title", NUL_EXHIBIT)


@pytest.mark.xfail(strict=True, raises=IdBeyond64BitsIs500, reason=ID_BEYOND_64_BITS.name)
@pytest.mark.parametrize("article", [False], indirect=True, ids=["rows-in-sqlite-order"])
def test_bug_5_an_id_beyond_64_bits_is_a_500(article: ArticleApp) -> None:
    run_the_state_machine(article, ID_BEYOND_64_BITS_EXHIBIT)


@pytest.mark.xfail(strict=True, raises=ListHasNoOrder, reason=NO_ORDER_BY.name)
def test_bug_7_the_list_has_no_order(article: ArticleApp) -> None:
    run_the_state_machine(article, NO_ORDER_EXHIBIT)
