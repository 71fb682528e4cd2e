"""Every worker's notebook server starts here (``python -m hub.jupyterhub.singleuser.lean``), not at
``jupyterhub-singleuser``: the same server, without the modules it imports but never uses (issue 20: at the start of a
competition every competitor's server starts in the same minute, and each held ~153 MB).

Measured with bench/server_parts.py and ``python -X importtime`` (docs/admin-guide.md has the table):

- jsonschema (through jupyter_events) checks the "iri" format with rfc3987_syntax, which builds a lark grammar at
  import: ~16 MB and ~0.3 s for a format no Jupyter event schema uses. Without it jsonschema skips that one format.
- jupyterhub.singleuser reaches jupyterhub.orm (through jupyterhub.log and jupyterhub.scopes), which imports alembic
  for the hub's database upgrades and cryptography's Fernet for the hub's encrypted auth state: ~16 MB and ~0.5 s,
  never used by a single-user server. alembic is deferred (imported if anything touches it), and Fernet is left out,
  which jupyterhub.crypto supports (``cryptography = None``: the hub's auth-state encryption, not the server's).
- JupyterLab, when imported, asks yarn for the npm registry (a Node.js process: ~0.3 s CPU and ~90 MB for a
  moment, per server), used only to build or install lab extensions, which a worker's server never does. It is
  answered as JupyterLab answers when Node.js is not installed (an empty yarn configuration).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

NOT_IMPORTED = ("rfc3987_syntax", "cryptography.fernet")
DEFERRED = ("alembic", "alembic.command", "alembic.config", "alembic.script")


class _DeferredName:
    """``from alembic.script import ScriptDirectory`` before alembic is imported: the real object on first use."""

    def __init__(self, module: str, name: str):
        self._where = (module, name)

    def _real(self):
        module, name = self._where
        return getattr(_import_real(module), name)

    def __getattr__(self, attr):
        return getattr(self._real(), attr)

    def __call__(self, *args, **kwargs):
        return self._real()(*args, **kwargs)


class _DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module nobody has used yet; the first use imports the real one."""

    def __init__(self, name: str):
        super().__init__(name)
        # a package to the import system, so ``from alembic.script import X`` asks for X (a _DeferredName) instead of
        # the real module; a real submodule asked for meanwhile is found by _Rescue
        self.__path__: list[str] = []

    def __getattr__(self, name):
        if name.startswith("__"):  # the import system asking (__path__, __spec__, ...): the real module answers
            return getattr(_import_real(self.__name__), name)
        real = sys.modules.get(self.__name__)
        if real is not None and not isinstance(real, _DeferredModule):  # imported meanwhile: this name was bound
            try:                                                         # to the stand-in (``import alembic.config``)
                return getattr(real, name)
            except AttributeError:
                return importlib.import_module(f"{self.__name__}.{name}")
        if f"{self.__name__}.{name}" in DEFERRED:
            return sys.modules[f"{self.__name__}.{name}"]
        return _DeferredName(self.__name__, name)


class _Rescue(importlib.abc.MetaPathFinder):
    """A submodule of a deferred package that is not deferred (``import alembic.ddl``): the real package first."""

    def find_spec(self, name, path=None, target=None):
        parent = name.rpartition(".")[0]
        if parent and isinstance(sys.modules.get(parent), _DeferredModule):
            _import_real(parent)
            return importlib.util.find_spec(name)
        return None


def _import_real(name: str) -> types.ModuleType:
    for stand_in in DEFERRED:
        if isinstance(sys.modules.get(stand_in), _DeferredModule):
            del sys.modules[stand_in]
    return importlib.import_module(name)


def trim_imports() -> None:
    """Before the server's own imports: leave out and defer what it never uses (see the module's docstring)."""
    for name in NOT_IMPORTED:
        sys.modules.setdefault(name, None)  # None in sys.modules: "import" raises ImportError, as if not installed
    for name in DEFERRED:
        if name not in sys.modules:
            sys.modules[name] = _DeferredModule(name)
    sys.meta_path.insert(0, _Rescue())


def skip_yarn_config() -> None:
    """JupyterLab's yarn configuration, as when Node.js is absent (see the module's docstring)."""
    import jupyterlab.commands

    jupyterlab.commands._yarn_config = lambda logger: {"yarn config": {}, "npm config": {}}


def lean() -> None:
    trim_imports()
    skip_yarn_config()


def main() -> None:
    lean()
    from jupyterhub.singleuser import main as singleuser_main

    sys.argv[0] = "jupyterhub-singleuser"
    sys.exit(singleuser_main())


if __name__ == "__main__":
    main()
