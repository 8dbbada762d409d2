"""Around the uvicorn server test_uvicorn_serves_the_app starts: a port nothing listens on,
and the status of a GET while the server may still be starting.
"""

import socket
import urllib.error
import urllib.request


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answer_from(url: str) -> int | None:
    """The HTTP status of GET url, or None while nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:  # an answer, just not a 2xx one
        return error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None
