"""Kituo's Jinja environment: Flask's, with each template's globals in a
map that answers `keys()` quickly.

Jinja runs `ctx.globals_keys - template.globals.keys()` at every
`{% from "..." import ... %}` (jinja2 Template._get_default_module); on
the ChainMap that `Environment.make_globals` returns, that set difference
looks up each of Kituo's ~60 globals through Python-level code in every
map, ~100 us an import here. A page imports macros in each section it
includes (the member page ~20 times), so this was ~2 ms of a page."""
from __future__ import annotations

from collections import ChainMap

from flask.templating import Environment


class TemplateGlobals(ChainMap):
    """A template's own globals over the environment's, as Jinja makes
    them (later changes to either still show); `keys()` is a dict's view
    of the keys they have now, for Jinja's set difference."""

    def keys(self):
        merged: dict = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class KituoEnvironment(Environment):
    def make_globals(self, d):
        return TemplateGlobals(d or {}, self.globals)
