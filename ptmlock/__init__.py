"""ptmlock: declare, pin, install and verify the pre-trained models a repository depends on."""

from __future__ import annotations

__version__ = "0.1.0"
