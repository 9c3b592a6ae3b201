"""Entry of every child process: `python -I -S <path of this file> zygote|single ...`.

Isolated mode puts neither this directory nor site-packages on `sys.path`, so this file loads the package
it lives in by path, under the name `vwed_child`, and hands over to `vwed_child.zygote.main`.
"""

import importlib
import importlib.util
import os
import sys

PACKAGE = "vwed_child"


def load_package() -> None:
    """Import the directory of this file as the package `vwed_child`."""
    here = os.path.dirname(os.path.realpath(__file__))
    spec = importlib.util.spec_from_file_location(
        PACKAGE, os.path.join(here, "__init__.py"), submodule_search_locations=[here]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the child package from {here}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)


if __name__ == "__main__":
    load_package()
    importlib.import_module(f"{PACKAGE}.zygote").main(sys.argv[1:])
