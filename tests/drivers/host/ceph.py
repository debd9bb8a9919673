"""A real single-node Ceph cluster for the rbd pool tests, from Debian's packages.

One monitor, one manager and one OSD (bluestore on a sparse file), all on
127.0.0.1 with cephx on and every file under one temporary directory:
config, keyrings, daemon data, sockets, logs.  The daemons run in the
foreground as children of the test process (``-f``) so that :meth:`stop`
ends exactly them and nothing is left running.

``python tests/drivers/host/ceph.py`` starts one, prints how to reach it and
stops it on Enter (handy to try pyvirsh against a real cluster).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

BINARIES = ("ceph-mon", "ceph-mgr", "ceph-osd", "ceph", "ceph-authtool", "monmaptool", "rbd")
OSD_SIZE = 4 * 1024 ** 3          # the sparse bluestore file (grows as data is written)
POOL = "pyvirt"


def missing() -> list[str]:
    """The Ceph programs this host lacks (empty: a cluster can start)."""
    return [b for b in BINARIES if shutil.which(b) is None]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_CONF = """[global]
fsid = {fsid}
mon host = v1:127.0.0.1:{port}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = {d}/run
admin socket = {d}/run/$name.asok
pid file = {d}/run/$name.pid
log file = {d}/log/$name.log
mon data = {d}/mon/$name
mgr data = {d}/mgr/$name
osd data = {d}/osd/$name
osd objectstore = bluestore
bluestore block path = {d}/osd/$name/block.img
bluestore block create = true
bluestore block size = {osd_size}
bluestore block db create = false
bluestore block wal create = false
bluestore cache autotune = false
bluestore cache size = 67108864
osd memory target = 939524096
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mgr initial modules =
osd op num shards = 1
osd op num threads per shard = 2
osd_max_object_name_len = 256
osd_max_object_namespace_len = 64

[client]
keyring = {d}/keyring

[mon]
keyring = {d}/mon/$name/keyring

[mgr]
keyring = {d}/mgr/$name/keyring

[osd]
keyring = {d}/osd/$name/keyring
"""


@dataclass
class CephCluster:
    """A running cluster: where it listens, its admin key, how to run its tools."""

    dir: str
    port: int = 0
    fsid: str = ""
    admin_key: str = ""
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def conf(self) -> str:
        """The cluster's ceph.conf."""
        return os.path.join(self.dir, "ceph.conf")

    @property
    def host(self) -> str:
        """The monitor's address as clients give it."""
        return f"127.0.0.1:{self.port}"

    def run(self, *argv: str, input: bytes | None = None, timeout: float = 60) -> str:
        """Run a Ceph tool (``ceph``, ``rbd``...) against the cluster as client.admin."""
        res = subprocess.run([argv[0], "-c", self.conf, *argv[1:]], input=input,
                             capture_output=True, timeout=timeout, check=False)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({res.returncode}): "
                               f"{res.stderr.decode(errors='replace').strip()}")
        return res.stdout.decode()

    def run_bytes(self, *argv: str) -> bytes:
        """A tool's raw output (``rbd export ... -``)."""
        res = subprocess.run([argv[0], "-c", self.conf, *argv[1:]], capture_output=True,
                             timeout=60, check=True)
        return res.stdout

    def json(self, *argv: str) -> object:
        """A tool's ``--format json`` answer."""
        return json.loads(self.run(*argv, "--format", "json"))

    def _tool(self, *argv: str) -> str:
        """Run a setup program; its error output in the exception when it fails."""
        res = subprocess.run(list(argv), capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({res.returncode}): "
                               f"{(res.stderr or res.stdout).strip()[-2000:]}")
        return res.stdout

    def pool_xml(self, name: str, secret_uuid: str, source: str = POOL) -> str:
        """libvirt's XML of an rbd pool on this cluster as client.admin."""
        return (f"<pool type='rbd'><name>{name}</name><source><host name='127.0.0.1' "
                f"port='{self.port}'/><name>{source}</name><auth type='ceph' "
                f"username='admin'><secret uuid='{secret_uuid}'/></auth></source></pool>")

    def start_pool(self, conn: Any, name: str, secret_uuid: str) -> Any:
        """Define client.admin's key as a (private) ceph secret of ``conn`` and start the
        rbd pool ``name`` with it."""
        sec = conn.secretDefineXML(f"<secret ephemeral='no' private='yes'><uuid>{secret_uuid}"
                                   f"</uuid><usage type='ceph'><name>{name} admin</name>"
                                   "</usage></secret>")
        sec.setValue(base64.b64decode(self.admin_key))
        return conn.storagePoolCreateXML(self.pool_xml(name, secret_uuid), 0)

    def _daemon(self, *argv: str) -> None:
        with open(os.path.join(self.dir, "log", f"{argv[0]}.out"), "ab") as log:
            self.procs.append(subprocess.Popen(
                [*argv, "-f", "-c", self.conf], stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))

    def _wait(self, what: str, check: object, timeout: float) -> None:
        end = time.monotonic() + timeout
        while True:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args[0]} exited ({proc.returncode}) while "
                                       f"waiting for {what}; logs in {self.dir}/log")
            try:
                if check():  # type: ignore[operator]
                    return
            except (RuntimeError, subprocess.TimeoutExpired, ValueError):
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"timed out waiting for {what}; logs in {self.dir}/log")
            time.sleep(0.25)

    def start(self) -> None:
        """Make and start the cluster and its pool POOL; returns when the pool is usable."""
        d = self.dir
        for sub in ("run", "log", "mon/mon.a", "mgr/mgr.x", "osd/osd.0"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        self.port, self.fsid = free_port(), str(uuid.uuid4())
        with open(self.conf, "w") as fh:
            fh.write(_CONF.format(fsid=self.fsid, port=self.port, d=d, osd_size=OSD_SIZE))
        auth, conf = "ceph-authtool", ["-c", self.conf]
        mon_keyring, admin_keyring = f"{d}/mon.keyring", f"{d}/keyring"
        self._tool(auth, "--create-keyring", mon_keyring, "--gen-key", "-n", "mon.",
                   "--cap", "mon", "allow *")
        self._tool(auth, "--create-keyring", admin_keyring, "--gen-key", "-n", "client.admin",
                   "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr",
                   "allow *", "--cap", "mds", "allow *")
        self._tool(auth, mon_keyring, "--import-keyring", admin_keyring)
        self._tool("monmaptool", "--create", "--addv", "a", f"[v1:127.0.0.1:{self.port}]",
                   "--fsid", self.fsid, f"{d}/monmap")
        self._tool("ceph-mon", *conf, "--mkfs", "-i", "a", "--monmap", f"{d}/monmap",
                   "--keyring", mon_keyring)
        self._daemon("ceph-mon", "-i", "a")
        self.admin_key = self._tool(auth, admin_keyring, "-n", "client.admin", "-p").strip()
        self._wait("the monitor", lambda: self.run("ceph", "mon", "stat", timeout=10), 30)
        self.run("ceph", "auth", "get-or-create", "mgr.x", "mon", "allow profile mgr", "osd",
                 "allow *", "mds", "allow *", "-o", f"{d}/mgr/mgr.x/keyring")
        self._daemon("ceph-mgr", "-i", "x")
        osd_uuid = str(uuid.uuid4())
        osd_key = self._tool(auth, "--gen-print-key").strip()
        osd_id = self.run("ceph", "osd", "new", osd_uuid, "-i", "-",
                          input=json.dumps({"cephx_secret": osd_key}).encode()).strip()
        if osd_id != "0":
            raise RuntimeError(f"the new OSD got id {osd_id!r}, not 0")
        self._tool(auth, "--create-keyring", f"{d}/osd/osd.0/keyring", "--name", "osd.0",
                   "--add-key", osd_key)
        self._tool("ceph-osd", *conf, "-i", "0", "--mkfs", "--no-mon-config", "--osd-uuid",
                   osd_uuid)
        self._daemon("ceph-osd", "-i", "0")
        self.run("ceph", "osd", "pool", "create", POOL, "8")
        self.run("ceph", "osd", "pool", "application", "enable", POOL, "rbd")
        self._wait("the OSD", self._osd_up, 60)
        self._wait("a usable pool", self._pool_ready, 60)
        self._wait("the cluster's usage statistics", self._stats_ready, 60)

    def _osd_up(self) -> bool:
        stat = self.json("ceph", "osd", "stat")
        return isinstance(stat, dict) and stat.get("num_up_osds") == 1

    def _stats_ready(self) -> bool:
        """The manager has the OSD's statistics (clients see the cluster's size)."""
        df = self.json("ceph", "df")
        return isinstance(df, dict) and df["stats"]["total_bytes"] > 0

    def _pool_ready(self) -> bool:
        self.run("rbd", "create", "--size", "1M", f"{POOL}/ready-probe", timeout=10)
        self.run("rbd", "rm", "--no-progress", f"{POOL}/ready-probe", timeout=10)
        return True

    def stop(self) -> None:
        """Kill the daemons (the data goes too: no clean shutdown needed) and remove every
        file."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)   # its data goes with the directory
        for proc in reversed(self.procs):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_cluster(parent: str | None = None) -> CephCluster:
    """A started cluster in a new temporary directory (stopped again if it fails)."""
    cluster = CephCluster(tempfile.mkdtemp(prefix="pyvirt-ceph-", dir=parent))
    try:
        cluster.start()
    except BaseException:
        logs = cluster.dir
        keep = tempfile.mkdtemp(prefix="pyvirt-ceph-failed-")
        shutil.copytree(os.path.join(logs, "log"), os.path.join(keep, "log"),
                        dirs_exist_ok=True)
        cluster.stop()
        raise
    return cluster


if __name__ == "__main__":
    t0 = time.monotonic()
    c = start_cluster()
    print(f"cluster up in {time.monotonic() - t0:.1f} s: mon {c.host}, conf {c.conf}, "
          f"admin key {c.admin_key}")
    try:
        input("Enter stops it: ")
    finally:
        c.stop()
