"""storagepoolxml2xml: storage pool XML read and written back as libvirt does."""

from __future__ import annotations

import pytest
from xml2xml import expect_error, run_case, xml2xml_params

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef


@pytest.mark.parametrize("name", xml2xml_params("storagepool"))
def test_storagepool_xml2xml(name: str) -> None:
    run_case("storagepool", name, lambda x: StoragePoolDef.parse(x).format(), "storagepool")


def test_fields() -> None:
    pool = StoragePoolDef.parse("<pool type='dir'><name>p</name><capacity unit='KiB'>2"
                                "</capacity><target><path>/var/p/</path></target></pool>")
    assert pool.type is PoolType.DIR and pool.name == "p" and len(pool.uuid) == 36
    assert pool.capacity == 2048 and pool.allocation is None and pool.target_path == "/var/p"
    assert "<capacity unit='bytes'>2048</capacity>" in pool.format()
    assert "<allocation unit='bytes'>0</allocation>" in pool.format()


_T = "<target><path>/a</path></target>"
BAD = [
    ("<pool type='dir'><name>x</name", C.VIR_ERR_XML_DETAIL, C.VIR_FROM_STORAGE,
     "(storage_pool_definition)"),
    ("<volume/>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML, "expecting root element of 'pool'"),
    ("<pool type='bogus'><name>x</name></pool>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Invalid value for attribute 'type' in element 'pool': 'bogus'."),
    ("<pool><name>x</name></pool>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Missing required attribute 'type' in element 'pool'"),
    (f"<pool type='dir'>{_T}</pool>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "missing pool source name element"),
    ("<pool type='dir'><name>x</name></pool>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "missing storage pool target path"),
    (("<pool type='fs'><name>x</name><source><device path='/dev/sdc1'/><format type='bogus'/>"
     f"</source>{_T}</pool>"), C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_STORAGE,
     "unknown pool format type bogus"),
    (f"<pool type='netfs'><name>x</name><source><dir path='/x'/></source>{_T}</pool>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE, "missing storage pool source host name"),
    (f"<pool type='netfs'><name>x</name><source><host name='h'/></source>{_T}</pool>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE, "missing storage pool source path"),
    ("<pool type='rbd'><name>x</name><source><host name='h'/></source></pool>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE, "element 'name' is mandatory for RBD pool"),
    (("<pool type='iscsi'><name>x</name><source><host name='h'/><device path='iqn.x'/>"
     f"<auth type='chap' username='u'/></source>{_T}</pool>"), C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_STORAGE, "Missing <secret> element in auth"),
    (("<pool type='iscsi'><name>x</name><source><host name='h'/><device path='iqn.x'/>"
     f"<auth type='bogus' username='u'><secret usage='a'/></auth></source>{_T}</pool>"),
     C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_STORAGE, "unknown auth type 'bogus'"),
    (f"<pool type='dir'><name>x</name><uuid>bad</uuid>{_T}</pool>", C.VIR_ERR_XML_ERROR,
     C.VIR_FROM_STORAGE, "malformed uuid element"),
    (("<pool type='dir'><name>x</name><target><path>/a</path><permissions><mode>999</mode>"
     "</permissions></target></pool>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "malformed octal mode"),
    (("<pool type='dir'><name>x</name><target><path>/a</path><permissions><owner>abc</owner>"
     "</permissions></target></pool>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "malformed owner element"),
    (("<pool type='scsi'><name>x</name><source><adapter type='fc_host' wwnn='zz' "
     f"wwpn='10000000c9831b4b'/></source>{_T}</pool>"), C.VIR_ERR_INTERNAL_ERROR,
     C.VIR_FROM_NONE, "Malformed wwn: zz"),
    (f"<pool type='scsi'><name>x</name><source><adapter type='fc_host'/></source>{_T}</pool>",
     C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE, "'wwnn' and 'wwpn' must be specified"),
    (f"<pool type='scsi'><name>x</name>{_T}</pool>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "missing storage pool source adapter"),
    (f"<pool type='fs'><name>x</name>{_T}</pool>", C.VIR_ERR_XML_ERROR, C.VIR_FROM_STORAGE,
     "missing storage pool source device name"),
    (("<pool type='netfs'><name>x</name><source><host name='h' port='abc'/><dir path='/x'/>"
     f"</source>{_T}</pool>"), C.VIR_ERR_XML_ERROR, C.VIR_FROM_XML,
     "Invalid value for attribute 'port' in element 'host': 'abc'. Expected integer value"),
    (("<pool type='iscsi-direct'><name>x</name><source><host name='h'/><device path='iqn.x'/>"
     "</source></pool>"), C.VIR_ERR_CONFIG_UNSUPPORTED, C.VIR_FROM_STORAGE,
     "missing initiator IQN"),
]


@pytest.mark.parametrize("xml,code,domain,message", BAD)
def test_storagepool_bad(xml: str, code: int, domain: int, message: str) -> None:
    expect_error(lambda: StoragePoolDef.parse(xml), code, domain, message)
