"""final's property and state machine, run on the article's app for one exhibit."""

from typing import Any, NoReturn

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test

from tests.helpers.museum.article_app import ARTICLE_APP, ArticleApp, museum_api
from tests.helpers.museum.exhibit import ArticleBug, Exhibit, raise_as_one_failure
from tests.helpers.museum.final_checks import item_bodies, patch_properties, state_machine
from tests.helpers.museum.known_bugs import ID_BEYOND_64_BITS
from tests.helpers.museum.recognisers import Failure

# The fewest examples an exhibit tries: a bug may hide behind one input in seven or so.
MUSEUM_EXAMPLES = 100


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
