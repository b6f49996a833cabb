"""Checks every page a test renders must pass (wired into the test app in
tests/conftest.py, so every rendered page of every test is checked), and
only_selected_fields(), for the pages whose queries select some fields
only (the key pages, tests/test_bench_pages.py)."""
from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

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


# --- fields a query left out ------------------------------------------------------------

class UnselectedField(AssertionError):
    """A page read a field that the query of its row did not select."""


@contextmanager
def only_selected_fields():
    """Inside the block, a row read from the database raises UnselectedField
    when code or a template reads a field its select left out. Peewee
    gives None for such a field without a word (the calendar bug
    b8bcfb0: every group meeting had the UID "seat-None"); a narrowed
    select is checked by rendering its pages inside this block. Rows made
    in Python (Model(...), create()) are not checked."""
    import peewee as pw

    originals = {
        (pw.Model, "__init__"): pw.Model.__init__,
        (pw.FieldAccessor, "__get__"): pw.FieldAccessor.__get__,
        (pw.ForeignKeyAccessor, "__get__"): pw.ForeignKeyAccessor.__get__,
        (pw.ObjectIdAccessor, "__get__"): pw.ObjectIdAccessor.__get__,
        (pw.ForeignKeyAccessor, "__set__"): pw.ForeignKeyAccessor.__set__,
    }
    paused = []   # peewee's own reads while it puts a joined row in place

    def init(self, *args, **kwargs):
        from_database = bool(kwargs.get("__no_default__"))
        originals[pw.Model, "__init__"](self, *args, **kwargs)
        self.__dict__["_only_selected"] = from_database

    def check(instance, name):
        if (not paused and instance.__dict__.get("_only_selected") and name not in instance.__data__
                and name not in instance.__rel__):
            raise UnselectedField(f"{type(instance).__name__}.{name} was read but not selected")

    def reading(cls, name_of):
        def get(self, instance, owner=None):
            if instance is not None:
                check(instance, name_of(self))
            return originals[cls, "__get__"](self, instance, owner)
        return get

    def attach(self, instance, obj):
        paused.append(1)
        try:
            originals[pw.ForeignKeyAccessor, "__set__"](self, instance, obj)
        finally:
            paused.pop()

    pw.Model.__init__ = init
    pw.ForeignKeyAccessor.__set__ = attach
    pw.FieldAccessor.__get__ = reading(pw.FieldAccessor, lambda a: a.name)
    pw.ForeignKeyAccessor.__get__ = reading(pw.ForeignKeyAccessor, lambda a: a.name)
    pw.ObjectIdAccessor.__get__ = reading(pw.ObjectIdAccessor, lambda a: a.field.name)
    try:
        yield
    finally:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)
