"""An ASGI app served without its start-up and shut-down code."""

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send


def without_start_up(application: FastAPI) -> ASGIApp:
    """The app, minus its start-up and shut-down code (the ASGI "lifespan").

    The app's start-up creates or migrates the tables of its own engine, whose SQLite file
    SQLAlchemy fixed when app/database.py was imported (a relative path is made absolute then):
    in a check, that would be a file in your project or in the repository. The checks that
    use this make their tables in a temporary file instead. (The browser check runs the real
    start-up.)
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await application(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return app
