"""Build hook: the translations travel inside the wheel.

Everything else about the package is in ``pyproject.toml``. The catalogs stay in ``locales/``
at the top of the source tree (where translators, ``make messages`` and the tests find them);
this hook copies them into the built package as ``handlers/locales/<lang>/LC_MESSAGES/*.po``,
where :func:`handlers.core.i18n.default_locales_dir` looks first. An editable install needs no
copy: it reads the source tree's ``locales/``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALES = Path(__file__).resolve().parent / "locales"
PACKAGED_LOCALES = ("handlers", "locales")
"""Where the catalogs land inside the built package (kept in step with handlers/core/i18n.py)."""


class BuildWithTranslations(build_py):
    """``build_py`` that also copies every ``locales/*/LC_MESSAGES/*.po`` into the package."""

    def run(self) -> None:
        """Build the packages, then add the catalogs (not for an editable install)."""
        super().run()
        if self.editable_mode:
            return
        catalogs = sorted(LOCALES.glob("*/LC_MESSAGES/*.po"))
        if not catalogs:
            raise SystemExit(f"no translations found under {LOCALES}")
        for source in catalogs:
            target = Path(self.build_lib, *PACKAGED_LOCALES, source.relative_to(LOCALES))
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildWithTranslations})
