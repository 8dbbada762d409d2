"""An exhibit: bug X, the exception it raises when a check found X, and how it tells."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from hypothesis.errors import UnsatisfiedAssumption

from tests.helpers.museum.exchanges import Exchange, first_line
from tests.helpers.museum.known_bugs import KNOWN_BUGS, KnownBug
from tests.helpers.museum.recognisers import Failure


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
