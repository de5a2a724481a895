"""JSON Pointers (RFC 6901) for report locations."""

from __future__ import annotations


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def join(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens``, each escaped."""
    return pointer + "".join("/" + escape(str(token)) for token in tokens)
