"""What the server reads at run time is found in one place, and copied whole into a build."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocacy.resources import RESOURCES, VENDOR, Resources, ResourcesError, copy_vendor, in_checkout, ship
from advocacy.settings import CONFIG_DIR, PROJECT_ROOT


def fake_checkout(root: Path, *, node_modules: bool) -> Path:
    for name, text in {"pyproject.toml": "", "web/templates/base.html": "<html>", "web/static/css/app.css": "a{}",
                       "web/static/.hidden": "no", "config/default.toml": "[server]"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    if node_modules:
        for name, source in VENDOR.items():
            (root / "web" / "node_modules" / source).parent.mkdir(parents=True, exist_ok=True)
            (root / "web" / "node_modules" / source).write_text(f"// {name}")
    return root


def test_a_checkout_reads_its_own_files_and_the_copied_front_end_files():
    assert in_checkout()
    assert RESOURCES.templates == PROJECT_ROOT / "web" / "templates" and CONFIG_DIR == PROJECT_ROOT / "config"
    files = RESOURCES.vendor_files()
    assert set(files) == set(VENDOR)
    for name, path in files.items():
        assert path.parent == PROJECT_ROOT / "advocacy" / "_shipped" / "vendor"
        assert "node_modules" not in path.parts
        assert path.read_bytes() == (PROJECT_ROOT / "web" / "node_modules" / VENDOR[name]).read_bytes()


def test_missing_front_end_files_are_named_with_what_to_run(tmp_path):
    found = Resources(tmp_path, tmp_path, tmp_path, tmp_path / "vendor")
    with pytest.raises(ResourcesError, match=r"socket\.io\.min\.js.*make setup"):
        found.vendor_files()


def test_copying_the_front_end_files_copies_what_changed_and_drops_the_rest(tmp_path):
    checkout = fake_checkout(tmp_path / "checkout", node_modules=True)
    into = tmp_path / "vendor"
    assert copy_vendor(checkout / "web" / "node_modules", into) == len(VENDOR)
    assert copy_vendor(checkout / "web" / "node_modules", into) == 0
    (into / "old.js").write_text("gone")
    (checkout / "web" / "node_modules" / VENDOR["socket.io.min.js"]).write_text("// new")
    assert copy_vendor(checkout / "web" / "node_modules", into) == 1
    assert sorted(p.name for p in into.iterdir()) == sorted(VENDOR)
    assert (into / "socket.io.min.js").read_text() == "// new"


def test_copying_from_a_folder_without_the_packages_says_to_install_them(tmp_path):
    with pytest.raises(ResourcesError, match=r"npm ci"):
        copy_vendor(tmp_path / "node_modules", tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()


def test_a_build_carries_templates_static_files_config_and_front_end_files(tmp_path):
    checkout = fake_checkout(tmp_path / "checkout", node_modules=True)
    into = tmp_path / "build" / "advocacy" / "_shipped"
    (into / "templates").mkdir(parents=True)
    (into / "templates" / "removed.html").write_text("stale")
    ship(checkout, into)
    assert (into / "templates" / "base.html").read_text() == "<html>"
    assert not (into / "templates" / "removed.html").exists()
    assert (into / "static" / "css" / "app.css").is_file() and not (into / "static" / ".hidden").exists()
    assert (into / "config" / "default.toml").is_file()
    assert Resources(into / "templates", into / "static", into / "config", into / "vendor").vendor_files()


def test_a_source_archive_builds_from_its_copied_front_end_files_or_says_what_is_missing(tmp_path):
    checkout = fake_checkout(tmp_path / "checkout", node_modules=False)
    with pytest.raises(ResourcesError, match=r"make setup"):
        ship(checkout, tmp_path / "first")
    copy_vendor(fake_checkout(tmp_path / "other", node_modules=True) / "web" / "node_modules",
                checkout / "advocacy" / "_shipped" / "vendor")
    ship(checkout, tmp_path / "second")
    assert sorted(p.name for p in (tmp_path / "second" / "vendor").iterdir()) == sorted(VENDOR)
