"""The wheel carries what the server reads at run time (pyproject.toml holds everything else).

The build copies web/templates, web/static, config/ and the front-end files into advocacy/_shipped
(advocacy/resources.py says which) and compiles each catalogue's .po into its .mo.
"""

import importlib.util
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _resources():
    # By path, not `import advocacy`: the build runs before the package is installed anywhere.
    spec = importlib.util.spec_from_file_location("_advocacy_resources", HERE / "advocacy" / "resources.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        package = Path(self.build_lib) / "advocacy"
        _resources().ship(HERE, package / "_shipped")
        for po in sorted((HERE / "advocacy" / "locale").glob("*/LC_MESSAGES/messages.po")):
            mo = package / po.relative_to(HERE / "advocacy").with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parts[-3])
            with mo.open("wb") as target:
                write_mo(target, catalogue)


setup(cmdclass={"build_py": BuildWithResources})
