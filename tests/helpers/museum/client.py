"""The client a check of final's gets instead of its TestClient."""

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import assume

from tests.helpers.museum.exchanges import Exchange, body_of
from tests.helpers.museum.known_bugs import KnownBug


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
