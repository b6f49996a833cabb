"""Checks every page a test renders must pass (wired into the test app in
tests/conftest.py, so every rendered page of every test is checked)."""
from __future__ import annotations

import re
from collections import Counter

# id="..." inside a start tag (not data-id=, not text).
_ID = re.compile(r"""<[a-zA-Z][^<>]*?\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def duplicate_ids(html: str) -> list[str]:
    """Element ids used more than once in `html` (a label's `for`, an
    aria-describedby or a #link then points at the wrong element)."""
    counts = Counter(a or b for a, b in _ID.findall(html))
    return sorted(name for name, n in counts.items() if n > 1)


def check_unique_ids(response):
    """after_request hook: an HTML page with a duplicate id is a failure."""
    if response.mimetype == "text/html" and not response.direct_passthrough:
        clashes = duplicate_ids(response.get_data(as_text=True))
        if clashes:
            raise AssertionError(f"duplicate element ids {clashes} on {_path()}")
    return response


def _path() -> str:
    from app.urls import current_url
    return current_url()
