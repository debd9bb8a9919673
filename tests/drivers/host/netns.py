"""Network namespaces for the network driver's tests.

Every test that makes a bridge, tap, address or nft rule runs its pyvirt
code in a child process inside a namespace the test created
(``ip netns exec``); the host's own links and nft tables are compared
before and after.  :func:`run` executes a script in the namespace and
returns what it printed as JSON on its last line.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NEEDS = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "nft", "dnsmasq")),
    reason="needs root, ip, nft and dnsmasq")

PRELUDE = r"""
import json, os, subprocess, sys, time
import pyvirt
from pyvirt import constants as C

def sh(*argv, check=True):
    res = subprocess.run(list(argv), capture_output=True, text=True)
    if check and res.returncode:
        raise RuntimeError(f"{argv}: {res.stderr}")
    return res.stdout

def links():
    return {l["ifname"]: l for l in json.loads(sh("ip", "-j", "-d", "addr"))}

def tables():
    return sorted(t["table"]["name"] for t in json.loads(sh("nft", "-j", "list", "tables"))
                  ["nftables"] if "table" in t)

def argv0(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().split(b"\0")[0]
    except OSError:
        return b""

def dnsmasqs():
    return sorted(int(p) for p in sh("ip", "netns", "pids", NS).split()
                  if argv0(p).endswith(b"/dnsmasq"))

def err(fn, *args):
    try:
        fn(*args)
    except pyvirt.libvirtError as exc:
        return [exc.get_error_code(), exc.get_error_domain(), exc.get_error_message()]
    raise AssertionError("no error")

def until(fn, seconds=60.0, step=0.1):
    # fn()'s value once it is true, or its last one after a generous deadline (the
    # test's own check then says what is missing): not a guessed number of tries
    deadline = time.monotonic() + seconds
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)

def pyvirsh(*args):
    # pyvirsh's output on the root (an embed root has one user at a time: close the
    # script's connection first)
    r = subprocess.run([os.path.join(os.path.dirname(sys.executable), "pyvirsh"), "-q",
                        "-c", URI, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout

NS = os.environ["PVTEST_NS"]
ROOT = os.environ["PVTEST_ROOT"]
URI = f"qemu:///embed?root={ROOT}"
OUT = {}
"""


def _host_state() -> tuple[set[str], set[str]]:
    """The host's links and nft tables of the kinds these tests make (other tests running
    at the same time may add their own taps)."""
    links = {l["ifname"] for l in json.loads(subprocess.run(
        ["ip", "-j", "link"], capture_output=True, text=True, check=True).stdout)
        if l["ifname"].startswith(("pv", "virbr"))}
    nft = json.loads(subprocess.run(["nft", "-j", "list", "tables"], capture_output=True,
                                    text=True, check=True).stdout)["nftables"]
    return links, {t["table"]["name"] for t in nft if "table" in t}


def ns_pids(ns: str) -> list[int]:
    """Processes running in namespace ``ns``."""
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True,
                         check=False).stdout
    return [int(p) for p in out.split()]


@contextmanager
def namespace(tag: str = "") -> Iterator[str]:
    """A fresh network namespace (loopback up), removed afterwards with anything left in it."""
    name = f"pvtest-{tag}{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        for pid in ns_pids(name):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.fixture
def netns() -> Iterator[str]:
    """A namespace for the test; the host's links and nft tables must be unchanged after."""
    before = _host_state()
    with namespace() as ns:
        yield ns
        left = ns_pids(ns)
    after = _host_state()
    assert after[0] <= before[0], f"new host links: {after[0] - before[0]}"
    assert after[1] <= before[1], f"new host nft tables: {after[1] - before[1]}"
    assert not left, f"processes left in the namespace: {left}"


def run(ns: str, root: Path, code: str, timeout: float = 120,
        pause: Callable[[], None] | None = None) -> dict:
    """Run ``code`` (after :data:`PRELUDE`) in namespace ``ns`` against the embed root
    ``root``; return the ``OUT`` dict it filled.  With ``pause``, the script's first
    line of output must be ``ready``: ``pause()`` is called then, and the script reads
    a line from its stdin to go on."""
    script = PRELUDE + textwrap.dedent(code) + "\nprint(json.dumps(OUT))\n"
    env = dict(os.environ, PVTEST_NS=ns, PVTEST_ROOT=str(root))
    proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", script],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        if pause is not None:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.kill()
                raise AssertionError(f"script failed: {line}{proc.communicate()[1][-4000:]}")
            pause()
        out, err = proc.communicate("go\n", timeout=timeout)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if proc.returncode != 0:
        raise AssertionError(f"script failed ({proc.returncode}):\n{err[-4000:]}")
    return json.loads(out.strip().splitlines()[-1])
