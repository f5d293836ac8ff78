"""The wheel's build step; pyproject.toml holds the metadata and everything else.

An installed forum071 must work where its package folder cannot be written, so the wheel
carries what a checkout keeps beside the package or makes when the app starts:

- the compiled translation catalogues (.mo), compiled here from the .po files with Babel
  (a build requirement in pyproject.toml);
- the top-level templates/, static/ and migrations/, copied into the package
  (forum071/templates, ...), where forum071.create_app finds them in an install.

An editable install (pip install -e .) gets neither: it runs from the checkout, which has
the folders and compiles a missing or outdated catalogue when the app starts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PACKAGE = "forum071"
SHIPPED_FOLDERS = ("templates", "static", "migrations")


class BuildWithAppFiles(build_py):
    """setuptools' build_py, then the catalogues and the app's folders into the package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        package = Path(self.build_lib) / PACKAGE
        for po_path in sorted((HERE / PACKAGE).glob("translations/*/LC_MESSAGES/messages.po")):
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file, locale=po_path.parent.parent.name)
            mo_path = package / po_path.relative_to(HERE / PACKAGE).with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalogue)
        for name in SHIPPED_FOLDERS:
            target = package / name
            # A build/ folder left from an earlier build would keep files deleted since.
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                HERE / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]")
            )


setup(cmdclass={"build_py": BuildWithAppFiles})
