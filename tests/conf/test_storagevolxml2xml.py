"""storagevolxml2xml: storage volume XML read and written back as libvirt does.

An input named ``<pooltype>-NAME.xml`` is parsed as a volume of such a pool
(``logical-lv.xml``: a logical pool); ``dir-`` is the default.
"""

from __future__ import annotations

import pytest
from xml2xml import expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType
from pyvirt.conf.storage_vol import Extent, StorageVolDef, Timestamps, VolType


def _pool_type(name: str) -> PoolType | None:
    prefix = name.split("-")[0]
    try:
        return PoolType(prefix)
    except ValueError:
        return None


@pytest.mark.parametrize("name", xml2xml_params("storagevol"))
def test_storagevol_xml2xml(name: str) -> None:
    pool_type = _pool_type(name)
    run_case("storagevol", name, lambda x: StorageVolDef.parse(x, pool_type).format(),
             "storagevol")


def test_fields_and_runtime_values() -> None:
    vol = StorageVolDef.parse("<volume><name>v</name><capacity unit='M'>1</capacity>"
                              "<target><path>/p/v</path></target></volume>", "dir")
    assert vol.type is VolType.FILE and vol.capacity == vol.allocation == 1 << 20
    assert vol.target.path == "/p/v" and vol.target.format == "raw"
    vol.physical = 4096
    vol.extents = [Extent("/dev/sdb", 0, 1048576), Extent("/dev/sdb", 2097152, 3145728)]
    vol.target.timestamps = Timestamps(atime="1341933637.273190990", mtime="1341930622")
    out = vol.format()
    assert "<physical unit='bytes'>4096</physical>" in out
    assert ("<device path='/dev/sdb'>\n      <extent start='0' end='1048576'/>\n"
            "      <extent start='2097152' end='3145728'/>\n    </device>") in out
    assert "<atime>1341933637.273190990</atime>" in out
    from xml2xml import check_schema
    check_schema(out, "storagevol")


BAD = [
    ("<volume><name>v</name", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_STORAGE,
     "(storage_volume_definition)"),
    ("<pool/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML, "expecting root element of 'volume'"),
    ("<volume><name>v3</name><capacity>abc</capacity></volume>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_STORAGE, "malformed capacity element"),
    ("<volume><capacity>1</capacity></volume>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "missing volume name element"),
    ("<volume><name>v4</name></volume>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "missing capacity element"),
    ("<volume><name>v5</name><capacity unit='zz'>1</capacity></volume>",
     C.VIR_ERR_INVALID_ARG, C.VIR_FROM_NONE, "unknown suffix 'zz'"),
    (("<volume><name>v6</name><capacity>10</capacity><target><format type='bogus'/></target>"
     "</volume>"), C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_STORAGE,
     "unknown volume format type bogus"),
    ("<volume type='bogus'><name>v7</name><capacity>10</capacity></volume>",
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_STORAGE, "unknown volume type 'bogus'"),
    # libvirt requires an encryption format and refuses an unknown one as unsupported
    ("<volume><name>e1</name><capacity>1</capacity><target><encryption/></target></volume>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE, "unknown volume encryption format"),
    (("<volume><name>e2</name><capacity>1</capacity><target><encryption format=''/>"
      "</target></volume>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "unknown volume encryption format"),
    (("<volume><name>e3</name><capacity>1</capacity><target><encryption format='bogus'/>"
      "</target></volume>"), C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_STORAGE,
     "unknown volume encryption format type bogus"),
    (("<volume><name>v9</name><capacity>10</capacity><target><permissions><mode>0888</mode>"
     "</permissions></target></volume>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "malformed octal mode"),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_storagevol_bad(xml: str, code: int, domain: int, message: str) -> None:
    expect_error(lambda: StorageVolDef.parse(xml), code, domain, message)
