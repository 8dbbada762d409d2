"""Is this failure bug X? For each exhibit's bug, the evidence that a failure is that bug:
a description of what shows it, or None when the failure is something else."""

import json
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from tests.helpers.museum.client import MuseumClient
from tests.helpers.museum.exchanges import ITEMS, NOT_SENT, Exchange, field_of, first_line
from tests.helpers.museum.known_bugs import beyond_64_bits, id_in


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
