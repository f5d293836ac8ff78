"""A non-editable install serves Dutch pages from a read-only package, and a fresh checkout,
where no compiled catalogue exists yet, still works (issue 10).

The wheel is built from a copy of the checkout as a clone has it (no .mo files, no build
output) with this environment's setuptools and Babel, installed into a new virtual environment
whose dependencies come from this one (no downloads), made read-only and served by gunicorn.
"""

from __future__ import annotations

import errno
import os
import shutil
import site
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from babel.support import Translations

from forum071 import i18n

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("translations") / "nl" / "LC_MESSAGES" / "messages.mo"
BUILD_OUTPUT = (".git", ".venv", "build", "dist", "instance", "*.egg-info", "__pycache__", "*.mo")

pytestmark = pytest.mark.timeout(300)


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603
        [str(part) for part in command], capture_output=True, text=True, check=False, **kwargs
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def build_tools_missing() -> str | None:
    """Why no wheel can be built here without downloads, or None."""
    try:
        setuptools = tuple(int(part) for part in version("setuptools").split(".")[:2])
    except PackageNotFoundError:
        return "setuptools is not installed"
    if setuptools < (70, 1):  # bdist_wheel moved into setuptools in 70.1
        try:
            version("wheel")
        except PackageNotFoundError:
            return "setuptools < 70.1 and no wheel package"
    return None


def fresh_clone(target: Path) -> Path:
    """The checkout's files as a new clone has them: tracked and new ones, no build output."""
    listed = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout: copy, leaving out what a build makes
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*BUILD_OUTPUT))
        return target
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file() and not name.endswith(".mo"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def tree_state(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under FOLDER with its size, modification time and mode."""
    state = {}
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        state[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return state


def set_writable(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.lstat().st_mode
        path.chmod(mode | 0o200 if writable else mode & ~0o222)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = build_tools_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must build the wheel: {missing}")
        pytest.skip(f"cannot build a wheel here: {missing}")
    source = fresh_clone(tmp_path_factory.mktemp("clone-for-wheel"))
    wheels = tmp_path_factory.mktemp("wheels")
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--wheel-dir", wheels, source,
    )  # fmt: skip
    (built,) = wheels.glob("forum071-*.whl")
    return built


@dataclass
class Install:
    python: Path
    site_packages: Path
    workdir: Path


@pytest.fixture(scope="module")
def read_only_install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    """The wheel installed (pip install, no dependencies) into a new venv, made read-only."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel
    )
    site_packages = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        ).stdout.strip()
    )
    # The dependencies: this environment's, through a path file (pip has already installed,
    # so it never sees them, and the package folders here win over them).
    here = {
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
        *site.getsitepackages(),
    }
    (site_packages / "zz_forum071_test_dependencies.pth").write_text("\n".join(sorted(here)) + "\n")
    set_writable(site_packages, False)
    workdir = tmp_path_factory.mktemp("served")
    yield Install(python=python, site_packages=site_packages, workdir=workdir)
    set_writable(site_packages, True)  # so that pytest can remove it


def forum_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "PYTHON", "FORUM071_"))
    }
    env.update(FLASK_SECRET_KEY="install-test-" + "k" * 40, **extra)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, language: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": language})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.read().decode()


def wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped: {server.communicate()[1]}")
        try:
            fetch(url, "nl")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer at {url}")


def test_the_wheel_ships_compiled_catalogues_templates_static_files_and_migrations(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    assert "forum071/translations/nl/LC_MESSAGES/messages.mo" in names
    assert "forum071/translations/nl/LC_MESSAGES/messages.po" in names
    assert "forum071/templates/base.html" in names
    assert "forum071/static/css/forum071.css" in names
    assert "forum071/migrations/env.py" in names
    assert any(name.startswith("forum071/migrations/versions/0007") for name in names)
    assert not any("__pycache__" in name for name in names)


def test_a_read_only_install_migrates_and_serves_dutch_pages(read_only_install):
    install = read_only_install
    before = tree_state(install.site_packages)
    env = forum_env(FLASK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{install.workdir / 'forum.sqlite'}")
    # -I: neither the working directory nor PYTHON* variables put another forum071 in the way.
    python = (install.python, "-I", "-B")
    located = run(*python, "-c", "import forum071; print(forum071.__file__)", env=env)
    assert located.stdout.startswith(str(install.site_packages))
    for command in (("db", "upgrade"), ("seed",)):
        run(*python, "-m", "flask", "--app", "forum071", *command, env=env, cwd=install.workdir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [
            *map(str, python), "-m", "gunicorn", "--workers", "1", "--bind",
            f"127.0.0.1:{port}", "forum071:create_app()",
        ],
        env=env,
        cwd=install.workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        wait_for(f"{base}/healthz", server)
        status, dutch = fetch(f"{base}/", "nl")
        english_status, english = fetch(f"{base}/", "en")
        static_status, css = fetch(f"{base}/static/css/forum071.css", "nl")
    finally:
        server.terminate()
        server.communicate(timeout=30)

    assert status == english_status == static_status == 200
    assert ">Inloggen<" in dutch and ">Registreren<" in dutch
    assert ">Log in<" in english
    assert css.strip()
    assert tree_state(install.site_packages) == before  # nothing written into the package


def test_a_fresh_checkout_compiles_its_catalogues_when_it_starts(tmp_path):
    checkout = fresh_clone(tmp_path / "forum071")
    compiled = checkout / "forum071" / CATALOGUE
    assert not compiled.exists()
    env = forum_env()
    # The README's run line without the install: `flask` from the checkout, SQLite in instance/.
    run(
        sys.executable,
        "-B",
        "-m",
        "flask",
        "--app",
        "forum071",
        "db",
        "upgrade",
        env=env,
        cwd=checkout,
    )
    script = (
        "import forum071\n"
        "from forum071 import create_app\n"
        "print(forum071.__file__)\n"
        "page = create_app().test_client().get('/', headers={'Accept-Language': 'nl'})\n"
        "print(page.status_code, '>Inloggen<' in page.get_data(as_text=True))\n"
    )

    result = run(sys.executable, "-B", "-c", script, env=env, cwd=checkout)

    location, answer = result.stdout.strip().splitlines()[-2:]
    assert location == str(checkout / "forum071" / "__init__.py")
    assert answer == "200 True"
    assert compiled.is_file()


def test_a_checkout_that_cannot_be_written_compiles_its_catalogues_elsewhere(tmp_path, monkeypatch):
    source = tmp_path / "package" / "translations"
    shutil.copytree(
        ROOT / "forum071" / "translations", source, ignore=shutil.ignore_patterns("*.mo")
    )
    writes = i18n._write_catalogue

    def read_only_package(po_path: Path, mo_path: Path) -> None:
        # chmod does not stop root, who runs CI: refuse the way a read-only file system would.
        if source in mo_path.parents:
            raise OSError(errno.EROFS, "Read-only file system", str(mo_path))
        writes(po_path, mo_path)

    monkeypatch.setattr(i18n, "_write_catalogue", read_only_package)

    directory = i18n.catalogue_directory(source, tmp_path / "instance", installed=False)

    assert directory == tmp_path / "instance" / "translations"
    assert not list(source.rglob("*.mo"))
    assert Translations.load(str(directory), ["nl"]).gettext("Log in") == "Inloggen"
    # Neither the package nor the instance folder: a private temporary folder still works.
    (tmp_path / "blocked").write_text("a file where the instance folder would be")
    elsewhere = i18n.catalogue_directory(source, tmp_path / "blocked", installed=False)
    assert Translations.load(str(elsewhere), ["nl"]).gettext("Log in") == "Inloggen"
    shutil.rmtree(elsewhere)
