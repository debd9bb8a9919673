"""pytest plugin: say why tests were skipped, and fail CI when a libvirt comparison was.

Many of the strongest tests compare pyvirt side by side with real libvirt
(Debian's ``virsh``, ``libvirtd`` or ``python3-libvirt``).  Without those
programs, or without the rights a private ``libvirtd`` needs, such tests skip,
and a plain run only counts the skips.  This plugin

* prints, at the end of every run, the skip reasons grouped and counted
  (with ``-n`` under pytest-xdist it does so on the controller, which receives
  every worker's reports, so the counts cover the whole run);
* registers the ``libvirt_ref`` marker for tests whose point is a comparison
  with real libvirt; tests that use the ``libvirtd``, ``real_python`` or
  ``virsh`` fixtures get it automatically;
* with ``CI=true`` in the environment, makes the run fail (exit status 1)
  when any ``libvirt_ref`` test was skipped, naming them.

It is loaded from ``tests/conftest.py`` through ``pytest_plugins``.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

MARKER = "libvirt_ref"
# fixtures that exist only to reach real libvirt: a test using one compares with it.
# (test_saveimage's libvirt_image, which needs the host's own libvirtd, is left
# out until it runs on a private one: CI machines run no system libvirtd.)
REFERENCE_FIXTURES = ("libvirtd", "real_python", "virsh", "reference_libvirtd")

_skips: Counter[str] = Counter()
_reference_skips: dict[str, str] = {}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (no pyproject entry needed)."""
    config.addinivalue_line(
        "markers", f"{MARKER}: the test compares pyvirt with real libvirt (virsh, libvirtd or "
                   "python3-libvirt); with CI=true a skip of it fails the run")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that use a fixture standing for real libvirt."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if any(name in names for name in REFERENCE_FIXTURES):
            item.add_marker(MARKER)


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = str(longrepr[2])
    else:
        text = str(longrepr)
    return text.removeprefix("Skipped: ").strip()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect skips (on the controller under xdist: reports arrive from every worker)."""
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _reason(report)
    _skips[reason] += 1
    if MARKER in report.keywords:
        _reference_skips[report.nodeid] = reason


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CI=true, a skipped libvirt comparison fails the run."""
    if _is_worker(session.config) or not _reference_skips or not _in_ci():
        return
    if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print the skip reasons, grouped and counted, and the CI verdict."""
    if _is_worker(config) or not _skips:
        return
    tr = terminalreporter
    tr.section("skip reasons", sep="-")
    for reason, count in sorted(_skips.items(), key=lambda kv: (-kv[1], kv[0])):
        tr.write_line(f"{count:5d}  {reason}")
    if _reference_skips:
        tr.write_line("")
        tr.write_line(f"{len(_reference_skips)} comparison(s) with real libvirt "
                      f"({MARKER}) skipped:")
        for nodeid, reason in sorted(_reference_skips.items()):
            tr.write_line(f"  {nodeid}: {reason}")
        if _in_ci():
            tr.write_line(f"CI=true: failing the run because {len(_reference_skips)} "
                          f"{MARKER} test(s) were skipped; install Debian's libvirt tools "
                          "and run with the rights a private libvirtd needs", red=True,
                          bold=True)
