"""Credentials never reach a terminal, a log or a file: ``user:pass@host`` is shown as ``user:****@host``.

The same rule pip (``redact_auth_from_url``) and uv apply. Used at the CLI edge for every line printed, and
wherever a URL from the environment or a manifest is put into a message.
"""

from __future__ import annotations

import re

# scheme://userinfo@ in any text; userinfo ends at the last '@' before the host (passwords may hold '@'
# only percent-encoded, but a careless one is still hidden up to the host).
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s@]*(?:@[^/?#\s@]*)*)@")


def _hide(match: re.Match[str]) -> str:
    user, colon, _secret = match["userinfo"].partition(":")
    shown = f"{user}:****" if colon else "****"
    return f"{match['scheme']}{shown}@"


def redact(text: str) -> str:
    """``text`` with the userinfo of every URL in it hidden (the user name kept when a password follows)."""
    return _USERINFO.sub(_hide, text) if "@" in text else text


def has_credentials(url: str) -> bool:
    """True when ``url`` carries a user name or password."""
    return _USERINFO.search(url) is not None
