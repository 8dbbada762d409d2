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

final/README.md ("The bug museum") shows them.
"""

import importlib
import json
import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest
from fastapi.testclient import TestClient
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTICLE_APP = REPO_ROOT / "steps" / "06_main"
ITEMS = "/api/v1/items/"
# The fewest examples an exhibit tries: a bug may hide behind one input in seven or so.
MUSEUM_EXAMPLES = 100


def final_tests_module(name: str) -> ModuleType:
    """final/tests/<name>.py: the very module object pytest uses for final's own checks.

    final/tests is not a package; its conftest.py puts the folder on sys.path so that the
    checks can `import item_bodies`. Importing that conftest first does the same here.
    """
    conftest = importlib.import_module("final.tests.conftest")
    if name == "conftest":
        return conftest
    if name == "item_bodies":
        return importlib.import_module("item_bodies")
    return importlib.import_module(f"final.tests.{name}")


final_conftest = final_tests_module("conftest")
item_bodies = final_tests_module("item_bodies")
patch_properties = final_tests_module("test_patch_properties")
state_machine = final_tests_module("test_state_machine")


# --- Requests and what came back ------------------------------------------------------
@dataclass
class Exchange:
    """One request a check sent, and what came back: an answer, or an error in the app."""

    method: str
    url: str
    body: Any = None
    status: int | None = None
    answer: Any = None
    error: Exception | None = None

    def __str__(self) -> str:
        sent = "" if self.body is None else f" {self.body!r}"
        if self.error is not None:
            came_back = f"raised {type(self.error).__name__}: {first_line(self.error)}"
        else:
            came_back = f"answered {self.status} {self.answer!r}"
        return f"{self.method} {self.url}{sent} -> {came_back}"


def first_line(error: BaseException) -> str:
    """The start of an error's message: its first two lines that are not blank."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " / ".join(lines[:2])[:300]


def body_of(request_arguments: dict[str, Any]) -> Any:
    """The JSON body of a request as the check wrote it (with json= or content=)."""
    if "json" in request_arguments:
        return request_arguments["json"]
    content = request_arguments.get("content")
    # Python's json reads NaN and Infinity back, as the app does.
    return None if content is None else json.loads(content)


NOT_SENT: Any = object()


def field_of(body: Any, name: str) -> Any:
    """body[name], or NOT_SENT when the body has no such field (None means a JSON null)."""
    return body.get(name, NOT_SENT) if isinstance(body, dict) else NOT_SENT


def values_in(body: Any) -> Iterator[Any]:
    """Every value inside a JSON body, the nested ones too."""
    if isinstance(body, dict):
        for value in body.values():
            yield from values_in(value)
    elif isinstance(body, list):
        for value in body:
            yield from values_in(value)
    else:
        yield body


def texts_in(body: Any) -> list[str]:
    return [value for value in values_in(body) if isinstance(value, str)]


_TYPE_OF_FIELD: dict[str, TypeAdapter[Any]] = {
    "price": TypeAdapter(float),
    "is_available": TypeAdapter(bool),
}


def converted_from_another_json_type(name: str, value: Any) -> bool:
    """Whether Pydantic's lax mode turns `value` into the field's type, but strict mode not.

    "12" or true for a price, 1 or "yes" for is_available: the article's app converts them.
    """
    adapter = _TYPE_OF_FIELD.get(name)
    if adapter is None or value is NOT_SENT:
        return False
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    try:
        adapter.validate_python(value, strict=True)
    except ValidationError:
        return True
    return False


# --- The article's known bugs, told apart by a request's input --------------------------
@dataclass(frozen=True)
class KnownBug:
    """A bug of the article's app, and which requests show it (by what they send)."""

    name: str
    shown_by: Callable[[Any], bool]  # the request's JSON body -> whether it shows the bug
    # (method, URL) -> whether the request shows the bug, whatever its body.
    shown_by_request: Callable[[str, str], bool] = lambda _method, _url: False


NULL_AVAILABILITY = KnownBug(
    'bug 1: PATCH {"is_available": null} stores NULL; every later read of the item is a 500',
    lambda body: field_of(body, "is_available") is None,
)
NULL_TITLE_OR_PRICE = KnownBug(
    'bug 2: PATCH {"title": null} or {"price": null} is a 500 (NOT NULL constraint)',
    lambda body: None in (field_of(body, "title"), field_of(body, "price")),
)
TITLE_OUTSIDE_THE_RULES = KnownBug(
    "bug 3: PATCH accepts an empty title, or one over 200 characters (ItemUpdate skips "
    "the rules of ItemCreate)",
    lambda body: isinstance(title := field_of(body, "title"), str) and not 1 <= len(title) <= 200,
)
NON_FINITE_NUMBER = KnownBug(
    "bug 4: a price of Infinity is stored and shown as null; a 422 that repeats a "
    "non-finite number is a 500",
    lambda body: any(
        isinstance(value, float) and not math.isfinite(value) for value in values_in(body)
    ),
)
NUL_IN_TEXT = KnownBug(
    "bug 6: a title holding the NUL character is accepted and stored (final/ answers 422; "
    "PostgreSQL cannot store it and answers 500)",
    lambda body: any("\x00" in text for text in texts_in(body)),
)
LARGEST_ID = 2_147_483_647


def id_in(url: str) -> int | None:
    """The item id at the end of an /items/{id} URL, or None for other URLs."""
    tail = url.removeprefix(ITEMS)
    return int(tail) if tail != url and tail.lstrip("-").isdigit() else None


def beyond_64_bits(item_id: int | None) -> bool:
    return item_id is not None and not -(2**63) <= item_id < 2**63


ID_BEYOND_64_BITS = KnownBug(
    "bug 5: an id beyond 64 bits (GET /items/99999999999999999999999) is a 500: it overflows "
    "the SQLite driver's integers",
    lambda _body: False,
    lambda _method, url: beyond_64_bits(id_in(url)),
)
# Found by the same checks, listed in final/README.md, but without an exhibit here.
IMPOSSIBLE_ID_IS_A_404 = KnownBug(
    "an id outside 1..2147483647 that fits in 64 bits (0, -1, 2147483648) is a 404; final/ "
    "answers 422",
    lambda _body: False,
    lambda _method, url: (
        (item_id := id_in(url)) is not None
        and not 1 <= item_id <= LARGEST_ID
        and not beyond_64_bits(item_id)
    ),
)
NO_PUT_ROUTE = KnownBug(
    "PUT /items/{id} is a 405: the article has no PUT",
    lambda _body: False,
    lambda method, _url: method == "PUT",
)
LONE_SURROGATE = KnownBug(
    "a lone UTF-16 surrogate in a text is a 500",
    lambda body: any("\ud800" <= char <= "\udfff" for text in texts_in(body) for char in text),
)
WRONG_JSON_TYPE = KnownBug(
    'a value of the wrong JSON type is converted ("12" for a price, 1 for is_available)',
    lambda body: any(
        converted_from_another_json_type(name, field_of(body, name))
        for name in ("price", "is_available")
    ),
)
KNOWN_BUGS = (
    NULL_AVAILABILITY,
    NULL_TITLE_OR_PRICE,
    TITLE_OUTSIDE_THE_RULES,
    NON_FINITE_NUMBER,
    NUL_IN_TEXT,
    ID_BEYOND_64_BITS,
    LONE_SURROGATE,
    WRONG_JSON_TYPE,
    IMPOSSIBLE_ID_IS_A_404,
    NO_PUT_ROUTE,
)
# Seen in the order of a list, whatever the requests send: no input shows it.
NO_ORDER_BY = KnownBug(
    "bug 7: the list has no ORDER BY, so the database decides the order of a page",
    lambda _body: False,
)


# --- The exception each exhibit expects ---------------------------------------------------
class ArticleBug(Exception):
    """A check of final/tests found this bug of the article's app (the message says how)."""


class NullAvailabilityIsStored(ArticleBug):
    pass


class NullTitleOrPriceIs500(ArticleBug):
    pass


class PatchSkipsTheTitleRules(ArticleBug):
    pass


class NonFiniteNumberIsMishandled(ArticleBug):
    pass


class NulInTitleIsStored(ArticleBug):
    pass


class IdBeyond64BitsIs500(ArticleBug):
    pass


class ListHasNoOrder(ArticleBug):
    pass


# --- A client that avoids the other bugs and keeps a transcript ---------------------------
class MuseumClient:
    """The article's TestClient, with the methods final's checks call on theirs.

    Before each request it calls `assume()` against the bugs it must avoid, so Hypothesis
    drops that example; it writes every request, and what came back, to `transcript`.
    """

    def __init__(self, client: TestClient, avoid: tuple[KnownBug, ...]) -> None:
        self.raw = client  # for the museum's own requests: neither filtered nor recorded
        self.avoid = avoid
        self.transcript: list[Exchange] = []

    def request(self, method: str, url: str, **arguments: Any) -> Any:
        exchange = Exchange(method, url, body_of(arguments))
        for bug in self.avoid:
            assume(not bug.shown_by(exchange.body) and not bug.shown_by_request(method, url))
        self.transcript.append(exchange)
        try:
            response = self.raw.request(method, url, **arguments)
        except Exception as error:  # the app raised: what a client would see as a 500
            exchange.error = error
            raise
        exchange.status = response.status_code
        exchange.answer = response.json() if response.content else None
        return response

    def get(self, url: str, **arguments: Any) -> Any:
        return self.request("GET", url, **arguments)

    def post(self, url: str, **arguments: Any) -> Any:
        return self.request("POST", url, **arguments)

    def put(self, url: str, **arguments: Any) -> Any:
        return self.request("PUT", url, **arguments)

    def patch(self, url: str, **arguments: Any) -> Any:
        return self.request("PATCH", url, **arguments)

    def delete(self, url: str, **arguments: Any) -> Any:
        return self.request("DELETE", url, **arguments)

    def last(self, method: str, url: str | None = None) -> Exchange | None:
        """The last request with this method (and URL, if given), or None."""
        for exchange in reversed(self.transcript):
            if exchange.method == method and url in (None, exchange.url):
                return exchange
        return None


# --- Is this failure bug X? ---------------------------------------------------------------
@dataclass
class Failure:
    """A failed check: its error, the client's transcript, and the model's list if any."""

    error: Exception
    client: MuseumClient
    expected_list: list[dict[str, Any]] | None = None  # the state machine's dict of items

    def patch(self) -> Exchange | None:
        return self.client.last("PATCH")

    def read_fails(self, url: str) -> str | None:
        """How a GET of `url` fails now (an error in the app, or a 5xx), or None."""
        try:
            response = self.client.raw.get(url)
        except Exception as error:
            return f"GET {url} raised {type(error).__name__}"
        return f"GET {url} answered {response.status_code}" if response.status_code >= 500 else None


def outcome(exchange: Exchange) -> str:
    if exchange.error is not None:
        return f"raised {type(exchange.error).__name__}"
    return f"answered {exchange.status}"


def null_availability_is_stored(failure: Failure) -> str | None:
    patch = failure.patch()
    if patch is None or field_of(patch.body, "is_available") is not None:
        return None
    broken_reads = [failure.read_fails(patch.url), failure.read_fails(f"{ITEMS}?limit=100")]
    if not all(broken_reads):
        return None  # the NULL was not stored, or reads survive it: something else failed
    return (
        f"the PATCH {outcome(patch)}, and the NULL it stored breaks every read of the item: "
        + "; ".join(read for read in broken_reads if read)
    )


def null_title_or_price_is_500(failure: Failure) -> str | None:
    patch = failure.patch()
    if patch is None or patch.error is not failure.error:
        return None
    nulls = [name for name in ("title", "price") if field_of(patch.body, name) is None]
    if not nulls or not isinstance(failure.error, IntegrityError):
        return None
    return f"the database refused NULL for {' and '.join(nulls)}: {first_line(failure.error)}"


def patch_skips_the_title_rules(failure: Failure) -> str | None:
    patch = failure.patch()
    title = field_of(patch.body, "title") if patch else NOT_SENT
    if patch is None or not isinstance(title, str):
        return None
    # Accepted: a 200, or stored and then refused by the app's own answer schema (a 500).
    refused_by_its_answer = type(patch.error).__name__ == "ResponseValidationError"
    if patch.status != 200 and not refused_by_its_answer:
        return None
    post = failure.client.raw.post(ITEMS, json={"title": title, "price": 1})
    if post.status_code != 422:
        return None
    how = "answered 200" if patch.status == 200 else "stored it, then failed to answer (500)"
    return f"POST refuses the title {title!r} (422), but the PATCH {how}"


def non_finite_number_is_mishandled(failure: Failure) -> str | None:
    patch = failure.patch()
    price = field_of(patch.body, "price") if patch else NOT_SENT
    if patch is None or not isinstance(price, float) or math.isfinite(price):
        return None
    if patch.status == 200 and isinstance(patch.answer, dict) and patch.answer["price"] is None:
        shown = json.dumps(failure.client.raw.get(patch.url).json().get("price"))
        return f"the price {price} was accepted, answered as null, and GET shows {shown}"
    if isinstance(patch.error, ValueError) and "JSON compliant" in str(patch.error):
        return f"the price {price} was refused, but writing the 422 that repeats it failed"
    return None


def nul_in_title_is_stored(failure: Failure) -> str | None:
    patch = failure.patch()
    title = field_of(patch.body, "title") if patch else NOT_SENT
    if patch is None or not isinstance(title, str) or "\x00" not in title:
        return None
    if patch.status != 200:
        return None
    stored = failure.client.raw.get(patch.url)
    if stored.status_code != 200 or stored.json().get("title") != title:
        return None
    return f"the PATCH answered 200, and GET shows the title {title!r} as stored"


def id_beyond_64_bits_is_500(failure: Failure) -> str | None:
    sent = failure.client.transcript[-1] if failure.client.transcript else None
    if sent is None or sent.error is not failure.error or not beyond_64_bits(id_in(sent.url)):
        return None
    if not isinstance(failure.error, OverflowError):
        return None
    return f"{sent.method} {sent.url} raised {first_line(failure.error)} (a 500 for a client)"


def list_has_no_order(failure: Failure) -> str | None:
    listing = failure.client.last("GET", ITEMS)
    if listing is None or listing.status != 200 or failure.expected_list is None:
        return None
    if not isinstance(listing.answer, list) or listing.answer == failure.expected_list:
        return None
    in_id_order = sorted(listing.answer, key=lambda item: item["id"])
    if in_id_order != failure.expected_list:
        return None  # not just the order: other items, or other values
    ids = [item["id"] for item in listing.answer]
    return f"GET {ITEMS} listed the right items, but in the order of ids {ids}"


@dataclass(frozen=True)
class Exhibit:
    """Bug X: its exception, and how to tell that a failure is X."""

    bug: KnownBug
    exception: type[ArticleBug]
    evidence: Callable[[Failure], str | None]
    # Known differences the exhibit lets through instead of throwing the example away: the
    # check's complaint about them is ignored, and the run goes on (see the state machine).
    tolerated: tuple[KnownBug, ...] = ()

    @property
    def others(self) -> tuple[KnownBug, ...]:
        return tuple(bug for bug in KNOWN_BUGS if bug is not self.bug and bug not in self.tolerated)

    def tolerates(self, exchange: Exchange | None) -> bool:
        """Whether EXCHANGE shows one of the tolerated differences (a 404 for such a bug)."""
        return (
            exchange is not None
            and exchange.status == 404
            and any(bug.shown_by_request(exchange.method, exchange.url) for bug in self.tolerated)
        )

    def classify(self, failure: Failure) -> ArticleBug | None:
        """X's exception, chained to the failure, if the failure is X; else None."""
        if isinstance(failure.error, UnsatisfiedAssumption):
            return None
        evidence = self.evidence(failure)
        if evidence is None:
            failure.error.add_note(
                f"The bug museum was looking for {self.bug.name}.\nThis failure is not that "
                "bug: the article's app (or the museum) fails in a way the museum does not "
                "know. Requests of this example:\n"
                + "\n".join(f"  {exchange}" for exchange in failure.client.transcript)
            )
            return None
        found = self.exception(
            f"{self.bug.name}\nHow the check found it: {evidence}.\n"
            f"What the check itself said: {type(failure.error).__name__}: "
            f"{first_line(failure.error)}\nRequests of this example:\n"
            + "\n".join(f"  {exchange}" for exchange in failure.client.transcript)
        )
        found.__cause__ = failure.error
        return found


def raise_as_one_failure(found: ArticleBug) -> NoReturn:
    """Raise bug X's exception so that Hypothesis sees every form of X as one failure.

    Hypothesis tells failures apart by the exception's type, the line that raised it, and
    its __context__ (the error being handled when it was raised). Bug X can show itself
    through different errors (an accepted Infinity and a crashing 422 are both bug 4);
    raised here, outside any `except`, with no context, they are one failure, which
    Hypothesis shrinks once. (__cause__ still shows the check's own error in the traceback.)
    """
    found.__context__ = None
    raise found


# --- The article's app, served the way final's fixtures serve final/ ----------------------
@dataclass
class ArticleApp:
    main: ModuleType
    database: ModuleType
    engine: Engine
    client: TestClient


@pytest.fixture
def article(
    app_package_at: Callable[[Path], Any], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ArticleApp]:
    """The article's app, its tables in an SQLite file, and a started TestClient.

    The engine is set up by final's own helpers, so that SQLite behaves as in final's checks:
    SAVEPOINTs work, and a query without ORDER BY returns its rows in reverse (SQL promises
    no order; SQLite's `reverse_unordered_selects` shows which code relies on one anyway).
    An exhibit can ask for SQLite's usual order instead (`indirect` parameter False), so that
    bug 7, which no input avoids, stays hidden while it looks for another bug.
    """
    reveal_unordered_queries: bool = getattr(request, "param", True)
    package = app_package_at(ARTICLE_APP)
    main = package.module("main", asked_by=None)
    database = package.module("database", asked_by=None)
    engine = final_conftest.app_engine_for(database, f"sqlite:///{tmp_path / 'museum.db'}")
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


def museum_settings() -> settings:
    """The Hypothesis profile's settings, with what an exhibit needs on top.

    No example database (an exhibit must find its bug from scratch, as on a fresh clone) and
    only the generate and shrink phases; at least MUSEUM_EXAMPLES examples.
    """
    profile = settings()
    return settings(
        profile,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        max_examples=max(profile.max_examples, MUSEUM_EXAMPLES),
    )


def not_found(exhibit: Exhibit, check: str) -> NoReturn:
    pytest.fail(
        f"Expected: {check}, run on the article's app ({ARTICLE_APP}), finds {exhibit.bug.name}.\n"
        f"What happened: it passed {museum_settings().max_examples} examples without "
        "finding it.\nWhat to check: has the article's app changed (is the bug fixed?), or do "
        "the strategies in final/tests/item_bodies.py no longer draw the inputs that show it?",
        pytrace=False,
    )


def run_the_invalid_patch_property(article: ArticleApp, field: str, exhibit: Exhibit) -> None:
    """final's `test_an_invalid_patch_is_422_and_changes_nothing[field]`, on the article.

    The property's body is final's (`.hypothesis.inner_test`), drawing from final's
    strategies; only the settings are the museum's.
    """
    api = museum_api(article, exhibit)
    check = patch_properties.test_an_invalid_patch_is_422_and_changes_nothing.hypothesis.inner_test

    @museum_settings()
    @given(item=item_bodies.new_items, data=st.data())
    def an_invalid_patch(item: dict[str, Any], data: st.DataObject) -> None:
        try:
            check(api=api, field=field, item=item, data=data)
        except ArticleBug as bug:
            found = bug
        else:
            return
        raise_as_one_failure(found)

    an_invalid_patch()
    not_found(
        exhibit, f"final's property `an invalid PATCH is 422 and changes nothing` for {field}"
    )


def never(_machine: Any) -> bool:
    return False


def run_the_state_machine(article: ArticleApp, exhibit: Exhibit) -> None:
    """final's state machine `ItemsApiAgainstADict`, on the article, without PUT."""
    api = museum_api(article, exhibit)
    machine = state_machine.ItemsApiAgainstADict
    # Impossible ids show bug 5 (or a 404 where final says 422): only its exhibit sends them.
    impossible_ids_allowed = exhibit.bug is ID_BEYOND_64_BITS

    class OnTheArticlesApp(machine):  # type: ignore[valid-type,misc]
        open_client = api
        # The article's app has no PUT route (a 405): the precondition keeps PUT out.
        put = precondition(never)(machine.put)

        @precondition(lambda _machine: impossible_ids_allowed)
        @rule(
            method=st.sampled_from(["GET", "PATCH", "DELETE"]),
            item_id=state_machine.impossible_ids,
            body=item_bodies.new_items,
        )
        def use_an_impossible_id(self, method: str, item_id: int, body: dict[str, Any]) -> None:
            try:
                super().use_an_impossible_id(method, item_id, body)
            except Exception as error:
                if isinstance(error, UnsatisfiedAssumption):
                    raise
                sent = self.client.transcript[-1] if self.client.transcript else None
                if isinstance(error, AssertionError) and exhibit.tolerates(sent):
                    # 404 where final says 422: a known difference, not a crash. Throwing
                    # such examples away would leave few runs that reach a 64-bit id.
                    return
                found = exhibit.classify(Failure(error, self.client))
                if found is None:
                    raise
            else:
                return
            raise_as_one_failure(found)

        @invariant()
        def the_list_shows_every_item_in_id_order(self) -> None:
            try:
                super().the_list_shows_every_item_in_id_order()
            except AssertionError as error:
                failure = Failure(error, self.client, expected_list=self.in_id_order())
                found = exhibit.classify(failure)
                if found is None:
                    raise
            else:
                return
            raise_as_one_failure(found)

    # final runs up to 10 calls per run, too (test_the_api_behaves_like_a_dict_of_items).
    run_state_machine_as_test(
        OnTheArticlesApp, settings=settings(museum_settings(), stateful_step_count=10)
    )
    not_found(exhibit, "final's state machine `the API behaves like a dict of items`")


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
