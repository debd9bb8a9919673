"""libvirt-python's own test suite, run against pyvirt.

The tests of the libvirt-python 9.0.0 release (its PyPI source archive,
downloaded here and cached outside the repo) run in a subprocess where
``pyvirt.install_as_libvirt()`` makes ``libvirt``, ``libvirtaio`` and
``libvirtmod`` resolve to pyvirt.  A second run uses libvirt-python's own
``libvirtaio.py`` on top of pyvirt.
"""

import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

VERSION = "9.0.0"
CACHE = Path(os.environ.get("PYVIRT_CACHE", Path.home() / ".cache" / "pyvirt"))

CONFTEST_PYVIRT = """
import pyvirt
pyvirt.install_as_libvirt()
"""

CONFTEST_UPSTREAM_AIO = """
import importlib.util, sys
import pyvirt
pyvirt.install_as_libvirt()
spec = importlib.util.spec_from_file_location("libvirtaio", {path!r})
module = importlib.util.module_from_spec(spec)
sys.modules["libvirtaio"] = module
spec.loader.exec_module(module)
"""


def _sdist() -> Path:
    """Return the unpacked libvirt-python source tree, downloading it once."""
    tree = CACHE / f"libvirt-python-{VERSION}"
    if (tree / "tests").is_dir():
        return tree
    CACHE.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                           "--no-binary", ":all:", f"libvirt-python=={VERSION}",
                           "-d", str(CACHE)], capture_output=True, text=True, check=False)
    archive = CACHE / f"libvirt-python-{VERSION}.tar.gz"
    if proc.returncode or not archive.exists():
        pytest.skip(f"cannot download libvirt-python {VERSION}: {proc.stderr[-300:]}")
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(CACHE, filter="data")
        else:       # Debian 12's Python 3.11.2 has no extraction filters: plain members only
            tar.extractall(CACHE, members=[
                m for m in tar.getmembers() if (m.isfile() or m.isdir())
                and not m.name.startswith("/") and ".." not in Path(m.name).parts])
    return tree


def _run_suite(tmp_path: Path, conftest: str) -> tuple[int, str]:
    src = _sdist()
    work = tmp_path / "tests"
    shutil.copytree(src / "tests", work)
    (work / "conftest.py").write_text(conftest)
    env = {k: v for k, v in os.environ.items() if k != "LIBVIRT_API_COVERAGE"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-o", "addopts=", str(work)], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def _counts(output: str) -> dict[str, int]:
    return {word: int(num) for num, word in re.findall(r"(\d+) (passed|failed|skipped|error)",
                                                        output)}


def test_libvirt_python_suite_passes_on_pyvirt(tmp_path):
    code, out = _run_suite(tmp_path, CONFTEST_PYVIRT)
    counts = _counts(out)
    assert code == 0, out[-4000:]
    assert counts.get("failed", 0) == 0 and counts.get("error", 0) == 0
    # 16 tests run; the API-coverage test (maintainers only) and two asyncio
    # tests that libvirt-python itself skips on Python >= 3.10 are skipped.
    assert counts.get("passed", 0) >= 16, out[-2000:]


def test_libvirt_python_suite_with_upstream_libvirtaio(tmp_path):
    aio = _sdist() / "libvirtaio.py"
    code, out = _run_suite(tmp_path, CONFTEST_UPSTREAM_AIO.format(path=str(aio)))
    assert code == 0, out[-4000:]
    assert _counts(out).get("passed", 0) >= 16
