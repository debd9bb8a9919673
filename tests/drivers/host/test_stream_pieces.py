"""The pieces of an in-process volume transfer are whole pages.

An application's ``sendAll`` handler is asked for, and ``recvAll``'s handler
given, page-sized pieces when the storage driver runs in the application's
process, so the volume's (and the application's) file writes start and end
on page boundaries: the kernel puts unaligned writes into the page cache at
several times the cost.  A daemon's streams keep pieces of whole wire
messages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyvirt
from pyvirt import constants as C
from pyvirt.driver.stream import CHUNK, Stream
from pyvirt.drivers.storage import transfer

PAGE = 4096


def test_in_process_pieces_are_pages(tmp_path: Path) -> None:
    conn = pyvirt.open(f"qemu:///embed?root={tmp_path / 'root'}")
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>p</name><target><path>{tmp_path / 'pool'}</path></target>"
        "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    data = os.urandom(5 * (1 << 20) + 100)
    vol = pool.createXML(f"<volume><name>v.img</name><capacity>{len(data)}</capacity>"
                         "</volume>", 0)
    asked: list[int] = []
    pos = [0]

    def give(_st: object, nbytes: int, _o: object) -> bytes:
        asked.append(nbytes)
        chunk = data[pos[0]:pos[0] + nbytes]
        pos[0] += len(chunk)
        return chunk

    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    st.sendAll(give, None)
    st.finish()
    assert asked and all(n % PAGE == 0 and n >= 1 << 20 for n in asked)
    assert Path(vol.path()).read_bytes() == data

    got: list[bytes] = []
    st = conn.newStream(0)
    vol.download(st, 0, 0, 0)
    st.recvAll(lambda _s, d, _o: got.append(d), None)
    st.finish()
    assert b"".join(got) == data
    # every piece but the last ends on a page boundary
    assert all(len(d) % PAGE == 0 for d in got[:-1]) and len(got) > 1
    vol.delete(0)
    pool.destroy()
    conn.close()


def test_daemon_streams_keep_message_pieces(tmp_path: Path) -> None:
    """A daemon's stream (``on_wire``) keeps pieces of whole messages when a storage
    driver binds it; a stream of the application's in process gets pages."""
    path = tmp_path / "v.img"
    path.write_bytes(b"x" * 8192)

    class Vol:
        def __init__(self) -> None:
            self.path = str(path)

    wire = Stream(C.VIR_STREAM_NONBLOCK)
    wire.on_wire = True
    transfer.upload(Vol(), wire, 0, 0, lambda: None)
    assert wire.piece == CHUNK
    wire.abort()
    local = Stream()
    transfer.upload(Vol(), local, 0, 0, lambda: None)
    assert local.piece % PAGE == 0 and local.piece != CHUNK
    local.abort()
