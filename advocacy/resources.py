"""Where the files the server reads at run time are: templates, static files, front-end packages, config/.

In a source checkout (``pyproject.toml`` beside the package) templates, static files and ``config/`` are
read where they are written, so an edit shows at once. An installed package carries copies of them in
``advocacy/_shipped/``, made when the wheel is built (``setup.py``). The front-end files pages load from
npm packages are copied out of ``web/node_modules`` into ``advocacy/_shipped/vendor/`` by `make setup`
(and by the build): the server never reads ``node_modules``.

This module uses only the standard library: ``setup.py`` loads it by path to build the wheel.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"
CHECKOUT = PACKAGE_DIR.parent

# The files pages load from npm packages (web/package.json), served as /vendor/NAME: NAME -> path in node_modules.
VENDOR = {
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "socket.io.min.js.map": "socket.io-client/dist/socket.io.min.js.map",
}


class ResourcesError(ValueError):
    """A file the server needs is not where it should be; the message says which and how to get it."""


@dataclass(frozen=True)
class Resources:
    templates: Path
    static: Path
    config: Path
    vendor: Path

    def vendor_files(self) -> dict[str, Path]:
        """The /vendor/NAME files; ResourcesError if one is missing (`make setup` copies them)."""
        files = {name: self.vendor / name for name in VENDOR}
        missing = [str(path) for path in files.values() if not path.is_file()]
        if missing:
            raise ResourcesError(f"{', '.join(missing)} missing: run `make setup`, which copies the front-end "
                                 "packages out of web/node_modules (or reinstall the package)")
        return files


def in_checkout(root: Path = CHECKOUT) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "web" / "templates").is_dir()


def locate() -> Resources:
    if in_checkout():
        return Resources(CHECKOUT / "web" / "templates", CHECKOUT / "web" / "static", CHECKOUT / "config",
                         SHIPPED_DIR / "vendor")
    return Resources(SHIPPED_DIR / "templates", SHIPPED_DIR / "static", SHIPPED_DIR / "config", SHIPPED_DIR / "vendor")


RESOURCES = locate()


def copy_vendor(node_modules: Path, into: Path) -> int:
    """Copy the VENDOR files out of ``node_modules`` into ``into``; only those that differ. Returns how many."""
    missing = [str(node_modules / source) for source in VENDOR.values() if not (node_modules / source).is_file()]
    if missing:
        raise ResourcesError(f"{', '.join(missing)} missing: install the front-end packages first "
                             "(`make setup`, or `npm ci` in web/)")
    into.mkdir(parents=True, exist_ok=True)
    copied = 0
    for name, source in VENDOR.items():
        body, target = (node_modules / source).read_bytes(), into / name
        if not target.is_file() or target.read_bytes() != body:
            target.write_bytes(body)
            copied += 1
    for stale in sorted({path.name for path in into.iterdir()} - set(VENDOR)):
        (into / stale).unlink()
    return copied


def ship(checkout: Path, into: Path) -> None:
    """Copy what an installed server reads out of a checkout (or an unpacked source archive) into ``into``,
    the ``advocacy/_shipped`` of a build: templates, static files, config/ and the vendor files (from
    web/node_modules when it is there, else from the checkout's own ``advocacy/_shipped/vendor``)."""
    if into.exists():
        shutil.rmtree(into)  # a build folder may hold files removed since the last build
    ignore = shutil.ignore_patterns(".*", "__pycache__")
    shutil.copytree(checkout / "web" / "templates", into / "templates", ignore=ignore)
    shutil.copytree(checkout / "web" / "static", into / "static", ignore=ignore)
    shutil.copytree(checkout / "config", into / "config", ignore=ignore)
    node_modules = checkout / "web" / "node_modules"
    if node_modules.is_dir():
        copy_vendor(node_modules, into / "vendor")
        return
    copied = checkout / "advocacy" / "_shipped" / "vendor"
    missing = [name for name in VENDOR if not (copied / name).is_file()]
    if missing:
        raise ResourcesError(f"neither web/node_modules nor advocacy/_shipped/vendor holds {', '.join(missing)}: "
                             "run `make setup` (or `npm ci` in web/) before building")
    shutil.copytree(copied, into / "vendor", ignore=ignore)


if __name__ == "__main__":
    # `make setup`: python -m advocacy.resources
    try:
        count = copy_vendor(CHECKOUT / "web" / "node_modules", SHIPPED_DIR / "vendor")
    except ResourcesError as exc:
        sys.exit(f"advocacy.resources: {exc}")
    print(f"front-end packages: {count} file(s) copied into {SHIPPED_DIR / 'vendor'}")
