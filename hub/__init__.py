"""hub: the platform around JupyterHub, in named rooms (see README's folder table).

Deployments name some of its modules in their own configuration: ``jupyterhub_config.py`` (``from hub.hubconfig
import configure``), Helm values (``spawner_class: hub.kubernetes.JinguoKubeSpawner``). Those modules moved into
rooms (issue 17); the old names keep working, with a DeprecationWarning, through the finder below. No config class
(section) name changed: ``c.JinguoConfig``, ``c.JinguoSpawner``, ``c.GradingQueue`` … reach the same classes.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

RENAMED_MODULES = {  # old dotted name -> new one
    "hub.config": "hub.settings",
    "hub.hubconfig": "hub.jupyterhub.config",
    "hub.auth": "hub.jupyterhub.auth",
    "hub.spawner": "hub.jupyterhub.spawner",
    "hub.kubernetes": "hub.jupyterhub.kubernetes",
    "hub.course_access": "hub.jupyterhub.unix_groups",
}


class _RenamedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module name as its new module (the same module object, so classes stay identical)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in RENAMED_MODULES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new = RENAMED_MODULES[spec.name]
        warnings.warn(f"{spec.name} is now {new}; the old name will go in a later release",
                      DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module) -> None:
        pass  # already executed under its new name


if not any(isinstance(f, _RenamedModules) for f in sys.meta_path):
    sys.meta_path.append(_RenamedModules())
