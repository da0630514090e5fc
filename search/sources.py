"""Where ``search_reindex`` finds each app's content, without search importing any of them.

``settings.RELAIS_SEARCH_SOURCES`` lists modules (by convention ``<app>.search_index``) that
each offer:

- ``KINDS``: the kinds of entry it gives (search.models.Kind values);
- ``search_count(kind) -> int``: how many there are, for the progress bar;
- ``search_documents(kind)``: an iterator of ``search.services.Document``, everything of that
  kind that should be findable now;
- optionally ``search_audiences()``: an iterator of ``(key, user_ids)``, the readers of the
  entries that belong to no group (a direct conversation's people).

The same modules build the entries their app's services index on commit, so a rebuilt index
and a live one agree.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from search.models import Kind


def sources() -> list[ModuleType]:
    modules = []
    for path in settings.RELAIS_SEARCH_SOURCES:
        module = import_module(path)
        for name in ("KINDS", "search_count", "search_documents"):
            if not hasattr(module, name):
                raise ImproperlyConfigured(f"search source {path} has no {name}")
        unknown = set(module.KINDS) - set(Kind.values)
        if unknown:
            raise ImproperlyConfigured(f"search source {path} gives unknown kinds {unknown}")
        modules.append(module)
    return modules


def by_kind() -> dict[str, ModuleType]:
    """Each kind and the module that gives it."""
    return {kind: module for module in sources() for kind in module.KINDS}
