"""Generated dispatch methods of the public classes.

Written by tools/gen_api.py from libvirt-python's method list; do not
edit by hand.  Each method checks read-only mode where the operation
changes state, calls the driver method named after libvirt's C function
and wraps returned objects.  pyvirt/api/*.py subclass these.
"""

# ruff: noqa: N802, N803, E501
# fmt: off
from __future__ import annotations

from typing import Any

from pyvirt import constants as _C
from pyvirt.errors import denied as _denied

# Filled in by pyvirt.api once the hand-written classes exist.
virDomain: Any = None
virNetwork: Any = None
virNetworkPort: Any = None
virInterface: Any = None
virStoragePool: Any = None
virStorageVol: Any = None
virConnect: Any = None
virNodeDevice: Any = None
virSecret: Any = None
virNWFilter: Any = None
virNWFilterBinding: Any = None
virStream: Any = None
virDomainCheckpoint: Any = None
virDomainSnapshot: Any = None


class _virDomain:
    """Generated methods of virDomain."""

    __slots__ = ()

    def OSType(self):
        """Call the driver's domainGetOSType (libvirt's virDomainGetOSType)."""
        return self._drv.domainGetOSType(self._o)

    def XMLDesc(self, flags=0):
        """Call the driver's domainGetXMLDesc (libvirt's virDomainGetXMLDesc)."""
        return self._drv.domainGetXMLDesc(self._o, flags)

    def abortJob(self):
        """Call the driver's domainAbortJob (libvirt's virDomainAbortJob)."""
        if self._ro:
            raise _denied('virDomainAbortJob', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainAbortJob(self._o)
        return 0 if ret is None else ret

    def abortJobFlags(self, flags=0):
        """Call the driver's domainAbortJobFlags (libvirt's virDomainAbortJobFlags)."""
        if self._ro:
            raise _denied('virDomainAbortJobFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainAbortJobFlags(self._o, flags)
        return 0 if ret is None else ret

    def addIOThread(self, iothread_id, flags=0):
        """Call the driver's domainAddIOThread (libvirt's virDomainAddIOThread)."""
        if self._ro:
            raise _denied('virDomainAddIOThread', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainAddIOThread(self._o, iothread_id, flags)
        return 0 if ret is None else ret

    def agentSetResponseTimeout(self, timeout, flags=0):
        """Call the driver's domainAgentSetResponseTimeout (libvirt's virDomainAgentSetResponseTimeout)."""
        if self._ro:
            raise _denied('virDomainAgentSetResponseTimeout', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainAgentSetResponseTimeout(self._o, timeout, flags)
        return 0 if ret is None else ret

    def attachDevice(self, xml):
        """Call the driver's domainAttachDevice (libvirt's virDomainAttachDevice)."""
        if self._ro:
            raise _denied('virDomainAttachDevice', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainAttachDevice(self._o, xml)
        return 0 if ret is None else ret

    def attachDeviceFlags(self, xml, flags=0):
        """Call the driver's domainAttachDeviceFlags (libvirt's virDomainAttachDeviceFlags)."""
        if self._ro:
            raise _denied('virDomainAttachDeviceFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainAttachDeviceFlags(self._o, xml, flags)
        return 0 if ret is None else ret

    def authorizedSSHKeysGet(self, user, flags=0):
        """Call the driver's domainAuthorizedSSHKeysGet (libvirt's virDomainAuthorizedSSHKeysGet)."""
        if self._ro:
            raise _denied('virDomainAuthorizedSSHKeysGet', _C.VIR_FROM_DOMAIN)
        return self._drv.domainAuthorizedSSHKeysGet(self._o, user, flags)

    def authorizedSSHKeysSet(self, user, keys=None, flags=0):
        """Call the driver's domainAuthorizedSSHKeysSet (libvirt's virDomainAuthorizedSSHKeysSet)."""
        if self._ro:
            raise _denied('virDomainAuthorizedSSHKeysSet', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainAuthorizedSSHKeysSet(self._o, user, keys, flags)
        return 0 if ret is None else ret

    def autostart(self):
        """Call the driver's domainGetAutostart (libvirt's virDomainGetAutostart)."""
        ret = self._drv.domainGetAutostart(self._o)
        return 0 if ret is None else ret

    def backupBegin(self, backupXML, checkpointXML, flags=0):
        """Call the driver's domainBackupBegin (libvirt's virDomainBackupBegin)."""
        if self._ro:
            raise _denied('virDomainBackupBegin', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainBackupBegin(self._o, backupXML, checkpointXML, flags)
        return 0 if ret is None else ret

    def backupGetXMLDesc(self, flags=0):
        """Call the driver's domainBackupGetXMLDesc (libvirt's virDomainBackupGetXMLDesc)."""
        if self._ro:
            raise _denied('virDomainBackupGetXMLDesc', _C.VIR_FROM_DOMAIN)
        return self._drv.domainBackupGetXMLDesc(self._o, flags)

    def blkioParameters(self, flags=0):
        """Call the driver's domainGetBlkioParameters (libvirt's virDomainGetBlkioParameters)."""
        return self._drv.domainGetBlkioParameters(self._o, flags)

    def blockCommit(self, disk, base, top, bandwidth=0, flags=0):
        """Call the driver's domainBlockCommit (libvirt's virDomainBlockCommit)."""
        if self._ro:
            raise _denied('virDomainBlockCommit', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainBlockCommit(self._o, disk, base, top, bandwidth, flags)
        return 0 if ret is None else ret

    def blockCopy(self, disk, destxml, params=None, flags=0):
        """Call the driver's domainBlockCopy (libvirt's virDomainBlockCopy)."""
        if self._ro:
            raise _denied('virDomainBlockCopy', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainBlockCopy(self._o, disk, destxml, params, flags)
        return 0 if ret is None else ret

    def blockInfo(self, path, flags=0):
        """Call the driver's domainGetBlockInfo (libvirt's virDomainGetBlockInfo)."""
        return self._drv.domainGetBlockInfo(self._o, path, flags)

    def blockIoTune(self, disk, flags=0):
        """Call the driver's domainGetBlockIoTune (libvirt's virDomainGetBlockIoTune)."""
        return self._drv.domainGetBlockIoTune(self._o, disk, flags)

    def blockJobAbort(self, disk, flags=0):
        """Call the driver's domainBlockJobAbort (libvirt's virDomainBlockJobAbort)."""
        if self._ro:
            raise _denied('virDomainBlockJobAbort', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainBlockJobAbort(self._o, disk, flags)
        return 0 if ret is None else ret

    def blockJobInfo(self, path, flags=0):
        """Call the driver's domainGetBlockJobInfo (libvirt's virDomainGetBlockJobInfo)."""
        return self._drv.domainGetBlockJobInfo(self._o, path, flags)

    def blockJobSetSpeed(self, disk, bandwidth, flags=0):
        """Call the driver's domainBlockJobSetSpeed (libvirt's virDomainBlockJobSetSpeed)."""
        if self._ro:
            raise _denied('virDomainBlockJobSetSpeed', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainBlockJobSetSpeed(self._o, disk, bandwidth, flags)
        return 0 if ret is None else ret

    def blockPeek(self, disk, offset, size, flags=0):
        """Call the driver's domainBlockPeek (libvirt's virDomainBlockPeek)."""
        if self._ro:
            raise _denied('virDomainBlockPeek', _C.VIR_FROM_DOMAIN)
        return self._drv.domainBlockPeek(self._o, disk, offset, size, flags)

    def blockPull(self, disk, bandwidth=0, flags=0):
        """Call the driver's domainBlockPull (libvirt's virDomainBlockPull)."""
        if self._ro:
            raise _denied('virDomainBlockPull', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainBlockPull(self._o, disk, bandwidth, flags)
        return 0 if ret is None else ret

    def blockRebase(self, disk, base, bandwidth=0, flags=0):
        """Call the driver's domainBlockRebase (libvirt's virDomainBlockRebase)."""
        if self._ro:
            raise _denied('virDomainBlockRebase', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainBlockRebase(self._o, disk, base, bandwidth, flags)
        return 0 if ret is None else ret

    def blockResize(self, disk, size, flags=0):
        """Call the driver's domainBlockResize (libvirt's virDomainBlockResize)."""
        if self._ro:
            raise _denied('virDomainBlockResize', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainBlockResize(self._o, disk, size, flags)
        return 0 if ret is None else ret

    def blockStats(self, path):
        """Call the driver's domainBlockStats (libvirt's virDomainBlockStats)."""
        return self._drv.domainBlockStats(self._o, path)

    def blockStatsFlags(self, path, flags=0):
        """Call the driver's domainBlockStatsFlags (libvirt's virDomainBlockStatsFlags)."""
        return self._drv.domainBlockStatsFlags(self._o, path, flags)

    def checkpointCreateXML(self, xmlDesc, flags=0):
        """Call the driver's domainCheckpointCreateXML (libvirt's virDomainCheckpointCreateXML)."""
        if self._ro:
            raise _denied('virDomainCheckpointCreateXML', _C.VIR_FROM_DOMAIN)
        return virDomainCheckpoint(self, self._drv.domainCheckpointCreateXML(self._o, xmlDesc, flags))

    def checkpointLookupByName(self, name, flags=0):
        """Call the driver's domainCheckpointLookupByName (libvirt's virDomainCheckpointLookupByName)."""
        return virDomainCheckpoint(self, self._drv.domainCheckpointLookupByName(self._o, name, flags))

    def controlInfo(self, flags=0):
        """Call the driver's domainGetControlInfo (libvirt's virDomainGetControlInfo)."""
        return self._drv.domainGetControlInfo(self._o, flags)

    def coreDump(self, to, flags=0):
        """Call the driver's domainCoreDump (libvirt's virDomainCoreDump)."""
        if self._ro:
            raise _denied('virDomainCoreDump', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainCoreDump(self._o, to, flags)
        return 0 if ret is None else ret

    def coreDumpWithFormat(self, to, dumpformat, flags=0):
        """Call the driver's domainCoreDumpWithFormat (libvirt's virDomainCoreDumpWithFormat)."""
        if self._ro:
            raise _denied('virDomainCoreDumpWithFormat', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainCoreDumpWithFormat(self._o, to, dumpformat, flags)
        return 0 if ret is None else ret

    def create(self):
        """Call the driver's domainCreate (libvirt's virDomainCreate)."""
        if self._ro:
            raise _denied('virDomainCreate', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainCreate(self._o)
        return 0 if ret is None else ret

    def createWithFlags(self, flags=0):
        """Call the driver's domainCreateWithFlags (libvirt's virDomainCreateWithFlags)."""
        if self._ro:
            raise _denied('virDomainCreateWithFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainCreateWithFlags(self._o, flags)
        return 0 if ret is None else ret

    def delIOThread(self, iothread_id, flags=0):
        """Call the driver's domainDelIOThread (libvirt's virDomainDelIOThread)."""
        if self._ro:
            raise _denied('virDomainDelIOThread', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainDelIOThread(self._o, iothread_id, flags)
        return 0 if ret is None else ret

    def destroy(self):
        """Call the driver's domainDestroy (libvirt's virDomainDestroy)."""
        if self._ro:
            raise _denied('virDomainDestroy', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainDestroy(self._o)
        return 0 if ret is None else ret

    def destroyFlags(self, flags=0):
        """Call the driver's domainDestroyFlags (libvirt's virDomainDestroyFlags)."""
        if self._ro:
            raise _denied('virDomainDestroyFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainDestroyFlags(self._o, flags)
        return 0 if ret is None else ret

    def detachDevice(self, xml):
        """Call the driver's domainDetachDevice (libvirt's virDomainDetachDevice)."""
        if self._ro:
            raise _denied('virDomainDetachDevice', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainDetachDevice(self._o, xml)
        return 0 if ret is None else ret

    def detachDeviceAlias(self, alias, flags=0):
        """Call the driver's domainDetachDeviceAlias (libvirt's virDomainDetachDeviceAlias)."""
        if self._ro:
            raise _denied('virDomainDetachDeviceAlias', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainDetachDeviceAlias(self._o, alias, flags)
        return 0 if ret is None else ret

    def detachDeviceFlags(self, xml, flags=0):
        """Call the driver's domainDetachDeviceFlags (libvirt's virDomainDetachDeviceFlags)."""
        if self._ro:
            raise _denied('virDomainDetachDeviceFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainDetachDeviceFlags(self._o, xml, flags)
        return 0 if ret is None else ret

    def diskErrors(self, flags=0):
        """Call the driver's domainGetDiskErrors (libvirt's virDomainGetDiskErrors)."""
        return self._drv.domainGetDiskErrors(self._o, flags)

    def emulatorPinInfo(self, flags=0):
        """Call the driver's domainGetEmulatorPinInfo (libvirt's virDomainGetEmulatorPinInfo)."""
        return self._drv.domainGetEmulatorPinInfo(self._o, flags)

    def fSTrim(self, mountPoint, minimum, flags=0):
        """Call the driver's domainFSTrim (libvirt's virDomainFSTrim)."""
        if self._ro:
            raise _denied('virDomainFSTrim', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainFSTrim(self._o, mountPoint, minimum, flags)
        return 0 if ret is None else ret

    def fsInfo(self, flags=0):
        """Call the driver's domainGetFSInfo (libvirt's virDomainGetFSInfo)."""
        if self._ro:
            raise _denied('virDomainGetFSInfo', _C.VIR_FROM_DOMAIN)
        return self._drv.domainGetFSInfo(self._o, flags)

    def getCPUStats(self, total, flags=0):
        """Call the driver's domainGetCPUStats (libvirt's virDomainGetCPUStats)."""
        return self._drv.domainGetCPUStats(self._o, total, flags)

    def guestInfo(self, types=0, flags=0):
        """Call the driver's domainGetGuestInfo (libvirt's virDomainGetGuestInfo)."""
        if self._ro:
            raise _denied('virDomainGetGuestInfo', _C.VIR_FROM_DOMAIN)
        return self._drv.domainGetGuestInfo(self._o, types, flags)

    def guestVcpus(self, flags=0):
        """Call the driver's domainGetGuestVcpus (libvirt's virDomainGetGuestVcpus)."""
        ret = self._drv.domainGetGuestVcpus(self._o, flags)
        return 0 if ret is None else ret

    def hasCurrentSnapshot(self, flags=0):
        """Call the driver's domainHasCurrentSnapshot (libvirt's virDomainHasCurrentSnapshot)."""
        ret = self._drv.domainHasCurrentSnapshot(self._o, flags)
        return 0 if ret is None else ret

    def hasManagedSaveImage(self, flags=0):
        """Call the driver's domainHasManagedSaveImage (libvirt's virDomainHasManagedSaveImage)."""
        ret = self._drv.domainHasManagedSaveImage(self._o, flags)
        return 0 if ret is None else ret

    def hostname(self, flags=0):
        """Call the driver's domainGetHostname (libvirt's virDomainGetHostname)."""
        if self._ro:
            raise _denied('virDomainGetHostname', _C.VIR_FROM_DOMAIN)
        return self._drv.domainGetHostname(self._o, flags)

    def info(self):
        """Call the driver's domainGetInfo (libvirt's virDomainGetInfo)."""
        return self._drv.domainGetInfo(self._o)

    def injectNMI(self, flags=0):
        """Call the driver's domainInjectNMI (libvirt's virDomainInjectNMI)."""
        if self._ro:
            raise _denied('virDomainInjectNMI', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainInjectNMI(self._o, flags)
        return 0 if ret is None else ret

    def interfaceAddresses(self, source, flags=0):
        """Call the driver's domainInterfaceAddresses (libvirt's virDomainInterfaceAddresses)."""
        return self._drv.domainInterfaceAddresses(self._o, source, flags)

    def interfaceParameters(self, device, flags=0):
        """Call the driver's domainGetInterfaceParameters (libvirt's virDomainGetInterfaceParameters)."""
        return self._drv.domainGetInterfaceParameters(self._o, device, flags)

    def interfaceStats(self, path):
        """Call the driver's domainInterfaceStats (libvirt's virDomainInterfaceStats)."""
        return self._drv.domainInterfaceStats(self._o, path)

    def ioThreadInfo(self, flags=0):
        """Call the driver's domainGetIOThreadInfo (libvirt's virDomainGetIOThreadInfo)."""
        return self._drv.domainGetIOThreadInfo(self._o, flags)

    def isActive(self):
        """Call the driver's domainIsActive (libvirt's virDomainIsActive)."""
        ret = self._drv.domainIsActive(self._o)
        return 0 if ret is None else ret

    def isPersistent(self):
        """Call the driver's domainIsPersistent (libvirt's virDomainIsPersistent)."""
        ret = self._drv.domainIsPersistent(self._o)
        return 0 if ret is None else ret

    def isUpdated(self):
        """Call the driver's domainIsUpdated (libvirt's virDomainIsUpdated)."""
        ret = self._drv.domainIsUpdated(self._o)
        return 0 if ret is None else ret

    def jobInfo(self):
        """Call the driver's domainGetJobInfo (libvirt's virDomainGetJobInfo)."""
        return self._drv.domainGetJobInfo(self._o)

    def jobStats(self, flags=0):
        """Call the driver's domainGetJobStats (libvirt's virDomainGetJobStats)."""
        return self._drv.domainGetJobStats(self._o, flags)

    def launchSecurityInfo(self, flags=0):
        """Call the driver's domainGetLaunchSecurityInfo (libvirt's virDomainGetLaunchSecurityInfo)."""
        if self._ro:
            raise _denied('virDomainGetLaunchSecurityInfo', _C.VIR_FROM_DOMAIN)
        return self._drv.domainGetLaunchSecurityInfo(self._o, flags)

    def managedSave(self, flags=0):
        """Call the driver's domainManagedSave (libvirt's virDomainManagedSave)."""
        if self._ro:
            raise _denied('virDomainManagedSave', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainManagedSave(self._o, flags)
        return 0 if ret is None else ret

    def managedSaveDefineXML(self, dxml, flags=0):
        """Call the driver's domainManagedSaveDefineXML (libvirt's virDomainManagedSaveDefineXML)."""
        if self._ro:
            raise _denied('virDomainManagedSaveDefineXML', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainManagedSaveDefineXML(self._o, dxml, flags)
        return 0 if ret is None else ret

    def managedSaveGetXMLDesc(self, flags=0):
        """Call the driver's domainManagedSaveGetXMLDesc (libvirt's virDomainManagedSaveGetXMLDesc)."""
        return self._drv.domainManagedSaveGetXMLDesc(self._o, flags)

    def managedSaveRemove(self, flags=0):
        """Call the driver's domainManagedSaveRemove (libvirt's virDomainManagedSaveRemove)."""
        if self._ro:
            raise _denied('virDomainManagedSaveRemove', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainManagedSaveRemove(self._o, flags)
        return 0 if ret is None else ret

    def maxMemory(self):
        """Call the driver's domainGetMaxMemory (libvirt's virDomainGetMaxMemory)."""
        return self._drv.domainGetMaxMemory(self._o)

    def maxVcpus(self):
        """Call the driver's domainGetMaxVcpus (libvirt's virDomainGetMaxVcpus)."""
        ret = self._drv.domainGetMaxVcpus(self._o)
        return 0 if ret is None else ret

    def memoryParameters(self, flags=0):
        """Call the driver's domainGetMemoryParameters (libvirt's virDomainGetMemoryParameters)."""
        return self._drv.domainGetMemoryParameters(self._o, flags)

    def memoryPeek(self, start, size, flags=0):
        """Call the driver's domainMemoryPeek (libvirt's virDomainMemoryPeek)."""
        if self._ro:
            raise _denied('virDomainMemoryPeek', _C.VIR_FROM_DOMAIN)
        return self._drv.domainMemoryPeek(self._o, start, size, flags)

    def memoryStats(self):
        """Call the driver's domainMemoryStats (libvirt's virDomainMemoryStats)."""
        return self._drv.domainMemoryStats(self._o)

    def messages(self, flags=0):
        """Call the driver's domainGetMessages (libvirt's virDomainGetMessages)."""
        return self._drv.domainGetMessages(self._o, flags)

    def metadata(self, type, uri, flags=0):
        """Call the driver's domainGetMetadata (libvirt's virDomainGetMetadata)."""
        return self._drv.domainGetMetadata(self._o, type, uri, flags)

    def migrate(self, dconn, flags=0, dname=None, uri=None, bandwidth=0):
        """Call the driver's domainMigrate (libvirt's virDomainMigrate)."""
        if self._ro:
            raise _denied('virDomainMigrate', _C.VIR_FROM_DOMAIN)
        return virDomain(self._conn, self._drv.domainMigrate(self._o, None if dconn is None else dconn._o, flags, dname, uri, bandwidth))

    def migrate2(self, dconn, dxml=None, flags=0, dname=None, uri=None, bandwidth=0):
        """Call the driver's domainMigrate2 (libvirt's virDomainMigrate2)."""
        if self._ro:
            raise _denied('virDomainMigrate2', _C.VIR_FROM_DOMAIN)
        return virDomain(self._conn, self._drv.domainMigrate2(self._o, None if dconn is None else dconn._o, dxml, flags, dname, uri, bandwidth))

    def migrate3(self, dconn, params, flags=0):
        """Call the driver's domainMigrate3 (libvirt's virDomainMigrate3)."""
        if self._ro:
            raise _denied('virDomainMigrate3', _C.VIR_FROM_DOMAIN)
        return virDomain(self._conn, self._drv.domainMigrate3(self._o, None if dconn is None else dconn._o, params, flags))

    def migrateGetCompressionCache(self, flags=0):
        """Call the driver's domainMigrateGetCompressionCache (libvirt's virDomainMigrateGetCompressionCache)."""
        return self._drv.domainMigrateGetCompressionCache(self._o, flags)

    def migrateGetMaxDowntime(self, flags=0):
        """Call the driver's domainMigrateGetMaxDowntime (libvirt's virDomainMigrateGetMaxDowntime)."""
        return self._drv.domainMigrateGetMaxDowntime(self._o, flags)

    def migrateGetMaxSpeed(self, flags=0):
        """Call the driver's domainMigrateGetMaxSpeed (libvirt's virDomainMigrateGetMaxSpeed)."""
        if self._ro:
            raise _denied('virDomainMigrateGetMaxSpeed', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainMigrateGetMaxSpeed(self._o, flags)
        return 0 if ret is None else ret

    def migrateSetCompressionCache(self, cacheSize, flags=0):
        """Call the driver's domainMigrateSetCompressionCache (libvirt's virDomainMigrateSetCompressionCache)."""
        if self._ro:
            raise _denied('virDomainMigrateSetCompressionCache', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainMigrateSetCompressionCache(self._o, cacheSize, flags)
        return 0 if ret is None else ret

    def migrateSetMaxDowntime(self, downtime, flags=0):
        """Call the driver's domainMigrateSetMaxDowntime (libvirt's virDomainMigrateSetMaxDowntime)."""
        if self._ro:
            raise _denied('virDomainMigrateSetMaxDowntime', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainMigrateSetMaxDowntime(self._o, downtime, flags)
        return 0 if ret is None else ret

    def migrateSetMaxSpeed(self, bandwidth, flags=0):
        """Call the driver's domainMigrateSetMaxSpeed (libvirt's virDomainMigrateSetMaxSpeed)."""
        if self._ro:
            raise _denied('virDomainMigrateSetMaxSpeed', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainMigrateSetMaxSpeed(self._o, bandwidth, flags)
        return 0 if ret is None else ret

    def migrateStartPostCopy(self, flags=0):
        """Call the driver's domainMigrateStartPostCopy (libvirt's virDomainMigrateStartPostCopy)."""
        if self._ro:
            raise _denied('virDomainMigrateStartPostCopy', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainMigrateStartPostCopy(self._o, flags)
        return 0 if ret is None else ret

    def migrateToURI(self, duri, flags=0, dname=None, bandwidth=0):
        """Call the driver's domainMigrateToURI (libvirt's virDomainMigrateToURI)."""
        if self._ro:
            raise _denied('virDomainMigrateToURI', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainMigrateToURI(self._o, duri, flags, dname, bandwidth)
        return 0 if ret is None else ret

    def migrateToURI2(self, dconnuri=None, miguri=None, dxml=None, flags=0, dname=None, bandwidth=0):
        """Call the driver's domainMigrateToURI2 (libvirt's virDomainMigrateToURI2)."""
        if self._ro:
            raise _denied('virDomainMigrateToURI2', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainMigrateToURI2(self._o, dconnuri, miguri, dxml, flags, dname, bandwidth)
        return 0 if ret is None else ret

    def migrateToURI3(self, dconnuri, params, flags=0):
        """Call the driver's domainMigrateToURI3 (libvirt's virDomainMigrateToURI3)."""
        if self._ro:
            raise _denied('virDomainMigrateToURI3', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainMigrateToURI3(self._o, dconnuri, params, flags)
        return 0 if ret is None else ret

    def numaParameters(self, flags=0):
        """Call the driver's domainGetNumaParameters (libvirt's virDomainGetNumaParameters)."""
        return self._drv.domainGetNumaParameters(self._o, flags)

    def openChannel(self, name, st, flags=0):
        """Call the driver's domainOpenChannel (libvirt's virDomainOpenChannel)."""
        if self._ro:
            raise _denied('virDomainOpenChannel', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainOpenChannel(self._o, name, None if st is None else st._o, flags)
        return 0 if ret is None else ret

    def openConsole(self, dev_name, st, flags=0):
        """Call the driver's domainOpenConsole (libvirt's virDomainOpenConsole)."""
        if self._ro:
            raise _denied('virDomainOpenConsole', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainOpenConsole(self._o, dev_name, None if st is None else st._o, flags)
        return 0 if ret is None else ret

    def openGraphics(self, idx, fd, flags=0):
        """Call the driver's domainOpenGraphics (libvirt's virDomainOpenGraphics)."""
        if self._ro:
            raise _denied('virDomainOpenGraphics', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainOpenGraphics(self._o, idx, fd, flags)
        return 0 if ret is None else ret

    def openGraphicsFD(self, idx, flags=0):
        """Call the driver's domainOpenGraphicsFD (libvirt's virDomainOpenGraphicsFD)."""
        if self._ro:
            raise _denied('virDomainOpenGraphicsFD', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainOpenGraphicsFD(self._o, idx, flags)
        return 0 if ret is None else ret

    def pMSuspendForDuration(self, target, duration, flags=0):
        """Call the driver's domainPMSuspendForDuration (libvirt's virDomainPMSuspendForDuration)."""
        if self._ro:
            raise _denied('virDomainPMSuspendForDuration', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainPMSuspendForDuration(self._o, target, duration, flags)
        return 0 if ret is None else ret

    def pMWakeup(self, flags=0):
        """Call the driver's domainPMWakeup (libvirt's virDomainPMWakeup)."""
        if self._ro:
            raise _denied('virDomainPMWakeup', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainPMWakeup(self._o, flags)
        return 0 if ret is None else ret

    def perfEvents(self, flags=0):
        """Call the driver's domainGetPerfEvents (libvirt's virDomainGetPerfEvents)."""
        return self._drv.domainGetPerfEvents(self._o, flags)

    def pinEmulator(self, cpumap, flags=0):
        """Call the driver's domainPinEmulator (libvirt's virDomainPinEmulator)."""
        if self._ro:
            raise _denied('virDomainPinEmulator', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainPinEmulator(self._o, cpumap, flags)
        return 0 if ret is None else ret

    def pinIOThread(self, iothread_val, cpumap, flags=0):
        """Call the driver's domainPinIOThread (libvirt's virDomainPinIOThread)."""
        if self._ro:
            raise _denied('virDomainPinIOThread', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainPinIOThread(self._o, iothread_val, cpumap, flags)
        return 0 if ret is None else ret

    def pinVcpu(self, vcpu, cpumap):
        """Call the driver's domainPinVcpu (libvirt's virDomainPinVcpu)."""
        if self._ro:
            raise _denied('virDomainPinVcpu', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainPinVcpu(self._o, vcpu, cpumap)
        return 0 if ret is None else ret

    def pinVcpuFlags(self, vcpu, cpumap, flags=0):
        """Call the driver's domainPinVcpuFlags (libvirt's virDomainPinVcpuFlags)."""
        if self._ro:
            raise _denied('virDomainPinVcpuFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainPinVcpuFlags(self._o, vcpu, cpumap, flags)
        return 0 if ret is None else ret

    def reboot(self, flags=0):
        """Call the driver's domainReboot (libvirt's virDomainReboot)."""
        if self._ro:
            raise _denied('virDomainReboot', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainReboot(self._o, flags)
        return 0 if ret is None else ret

    def rename(self, new_name, flags=0):
        """Call the driver's domainRename (libvirt's virDomainRename)."""
        if self._ro:
            raise _denied('virDomainRename', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainRename(self._o, new_name, flags)
        return 0 if ret is None else ret

    def reset(self, flags=0):
        """Call the driver's domainReset (libvirt's virDomainReset)."""
        if self._ro:
            raise _denied('virDomainReset', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainReset(self._o, flags)
        return 0 if ret is None else ret

    def resume(self):
        """Call the driver's domainResume (libvirt's virDomainResume)."""
        if self._ro:
            raise _denied('virDomainResume', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainResume(self._o)
        return 0 if ret is None else ret

    def revertToSnapshot(self, snap, flags=0):
        """Call the driver's domainRevertToSnapshot (libvirt's virDomainRevertToSnapshot)."""
        if self._ro:
            raise _denied('virDomainRevertToSnapshot', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainRevertToSnapshot(self._o, None if snap is None else snap._o, flags)
        return 0 if ret is None else ret

    def save(self, to):
        """Call the driver's domainSave (libvirt's virDomainSave)."""
        if self._ro:
            raise _denied('virDomainSave', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSave(self._o, to)
        return 0 if ret is None else ret

    def saveFlags(self, to, dxml=None, flags=0):
        """Call the driver's domainSaveFlags (libvirt's virDomainSaveFlags)."""
        if self._ro:
            raise _denied('virDomainSaveFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSaveFlags(self._o, to, dxml, flags)
        return 0 if ret is None else ret

    def saveParams(self, params, flags=0):
        """Call the driver's domainSaveParams (libvirt's virDomainSaveParams)."""
        if self._ro:
            raise _denied('virDomainSaveParams', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSaveParams(self._o, params, flags)
        return 0 if ret is None else ret

    def schedulerParameters(self):
        """Call the driver's domainGetSchedulerParameters (libvirt's virDomainGetSchedulerParameters)."""
        return self._drv.domainGetSchedulerParameters(self._o)

    def schedulerParametersFlags(self, flags=0):
        """Call the driver's domainGetSchedulerParametersFlags (libvirt's virDomainGetSchedulerParametersFlags)."""
        return self._drv.domainGetSchedulerParametersFlags(self._o, flags)

    def schedulerType(self):
        """Call the driver's domainGetSchedulerType (libvirt's virDomainGetSchedulerType)."""
        return self._drv.domainGetSchedulerType(self._o)

    def screenshot(self, stream, screen, flags=0):
        """Call the driver's domainScreenshot (libvirt's virDomainScreenshot)."""
        if self._ro:
            raise _denied('virDomainScreenshot', _C.VIR_FROM_DOMAIN)
        return self._drv.domainScreenshot(self._o, None if stream is None else stream._o, screen, flags)

    def securityLabel(self):
        """Call the driver's domainGetSecurityLabel (libvirt's virDomainGetSecurityLabel)."""
        return self._drv.domainGetSecurityLabel(self._o)

    def securityLabelList(self):
        """Call the driver's domainGetSecurityLabelList (libvirt's virDomainGetSecurityLabelList)."""
        return self._drv.domainGetSecurityLabelList(self._o)

    def sendKey(self, codeset, holdtime, keycodes, nkeycodes, flags=0):
        """Call the driver's domainSendKey (libvirt's virDomainSendKey)."""
        if self._ro:
            raise _denied('virDomainSendKey', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSendKey(self._o, codeset, holdtime, keycodes, nkeycodes, flags)
        return 0 if ret is None else ret

    def sendProcessSignal(self, pid_value, signum, flags=0):
        """Call the driver's domainSendProcessSignal (libvirt's virDomainSendProcessSignal)."""
        if self._ro:
            raise _denied('virDomainSendProcessSignal', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSendProcessSignal(self._o, pid_value, signum, flags)
        return 0 if ret is None else ret

    def setAutostart(self, autostart):
        """Call the driver's domainSetAutostart (libvirt's virDomainSetAutostart)."""
        if self._ro:
            raise _denied('virDomainSetAutostart', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetAutostart(self._o, autostart)
        return 0 if ret is None else ret

    def setBlkioParameters(self, params, flags=0):
        """Call the driver's domainSetBlkioParameters (libvirt's virDomainSetBlkioParameters)."""
        if self._ro:
            raise _denied('virDomainSetBlkioParameters', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetBlkioParameters(self._o, params, flags)
        return 0 if ret is None else ret

    def setBlockIoTune(self, disk, params, flags=0):
        """Call the driver's domainSetBlockIoTune (libvirt's virDomainSetBlockIoTune)."""
        if self._ro:
            raise _denied('virDomainSetBlockIoTune', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetBlockIoTune(self._o, disk, params, flags)
        return 0 if ret is None else ret

    def setBlockThreshold(self, dev, threshold, flags=0):
        """Call the driver's domainSetBlockThreshold (libvirt's virDomainSetBlockThreshold)."""
        if self._ro:
            raise _denied('virDomainSetBlockThreshold', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetBlockThreshold(self._o, dev, threshold, flags)
        return 0 if ret is None else ret

    def setGuestVcpus(self, cpumap, state, flags=0):
        """Call the driver's domainSetGuestVcpus (libvirt's virDomainSetGuestVcpus)."""
        if self._ro:
            raise _denied('virDomainSetGuestVcpus', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetGuestVcpus(self._o, cpumap, state, flags)
        return 0 if ret is None else ret

    def setIOThreadParams(self, iothread_val, params, flags=0):
        """Call the driver's domainSetIOThreadParams (libvirt's virDomainSetIOThreadParams)."""
        if self._ro:
            raise _denied('virDomainSetIOThreadParams', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetIOThreadParams(self._o, iothread_val, params, flags)
        return 0 if ret is None else ret

    def setInterfaceParameters(self, device, params, flags=0):
        """Call the driver's domainSetInterfaceParameters (libvirt's virDomainSetInterfaceParameters)."""
        if self._ro:
            raise _denied('virDomainSetInterfaceParameters', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetInterfaceParameters(self._o, device, params, flags)
        return 0 if ret is None else ret

    def setLaunchSecurityState(self, params, flags=0):
        """Call the driver's domainSetLaunchSecurityState (libvirt's virDomainSetLaunchSecurityState)."""
        if self._ro:
            raise _denied('virDomainSetLaunchSecurityState', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetLaunchSecurityState(self._o, params, flags)
        return 0 if ret is None else ret

    def setLifecycleAction(self, type, action, flags=0):
        """Call the driver's domainSetLifecycleAction (libvirt's virDomainSetLifecycleAction)."""
        if self._ro:
            raise _denied('virDomainSetLifecycleAction', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetLifecycleAction(self._o, type, action, flags)
        return 0 if ret is None else ret

    def setMaxMemory(self, memory):
        """Call the driver's domainSetMaxMemory (libvirt's virDomainSetMaxMemory)."""
        if self._ro:
            raise _denied('virDomainSetMaxMemory', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetMaxMemory(self._o, memory)
        return 0 if ret is None else ret

    def setMemory(self, memory):
        """Call the driver's domainSetMemory (libvirt's virDomainSetMemory)."""
        if self._ro:
            raise _denied('virDomainSetMemory', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetMemory(self._o, memory)
        return 0 if ret is None else ret

    def setMemoryFlags(self, memory, flags=0):
        """Call the driver's domainSetMemoryFlags (libvirt's virDomainSetMemoryFlags)."""
        if self._ro:
            raise _denied('virDomainSetMemoryFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetMemoryFlags(self._o, memory, flags)
        return 0 if ret is None else ret

    def setMemoryParameters(self, params, flags=0):
        """Call the driver's domainSetMemoryParameters (libvirt's virDomainSetMemoryParameters)."""
        if self._ro:
            raise _denied('virDomainSetMemoryParameters', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetMemoryParameters(self._o, params, flags)
        return 0 if ret is None else ret

    def setMemoryStatsPeriod(self, period, flags=0):
        """Call the driver's domainSetMemoryStatsPeriod (libvirt's virDomainSetMemoryStatsPeriod)."""
        if self._ro:
            raise _denied('virDomainSetMemoryStatsPeriod', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetMemoryStatsPeriod(self._o, period, flags)
        return 0 if ret is None else ret

    def setMetadata(self, type, metadata, key, uri, flags=0):
        """Call the driver's domainSetMetadata (libvirt's virDomainSetMetadata)."""
        if self._ro:
            raise _denied('virDomainSetMetadata', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetMetadata(self._o, type, metadata, key, uri, flags)
        return 0 if ret is None else ret

    def setNumaParameters(self, params, flags=0):
        """Call the driver's domainSetNumaParameters (libvirt's virDomainSetNumaParameters)."""
        if self._ro:
            raise _denied('virDomainSetNumaParameters', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetNumaParameters(self._o, params, flags)
        return 0 if ret is None else ret

    def setPerfEvents(self, params, flags=0):
        """Call the driver's domainSetPerfEvents (libvirt's virDomainSetPerfEvents)."""
        if self._ro:
            raise _denied('virDomainSetPerfEvents', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetPerfEvents(self._o, params, flags)
        return 0 if ret is None else ret

    def setSchedulerParameters(self, params):
        """Call the driver's domainSetSchedulerParameters (libvirt's virDomainSetSchedulerParameters)."""
        if self._ro:
            raise _denied('virDomainSetSchedulerParameters', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetSchedulerParameters(self._o, params)
        return 0 if ret is None else ret

    def setSchedulerParametersFlags(self, params, flags=0):
        """Call the driver's domainSetSchedulerParametersFlags (libvirt's virDomainSetSchedulerParametersFlags)."""
        if self._ro:
            raise _denied('virDomainSetSchedulerParametersFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetSchedulerParametersFlags(self._o, params, flags)
        return 0 if ret is None else ret

    def setUserPassword(self, user, password, flags=0):
        """Call the driver's domainSetUserPassword (libvirt's virDomainSetUserPassword)."""
        if self._ro:
            raise _denied('virDomainSetUserPassword', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetUserPassword(self._o, user, password, flags)
        return 0 if ret is None else ret

    def setVcpu(self, vcpumap, state, flags=0):
        """Call the driver's domainSetVcpu (libvirt's virDomainSetVcpu)."""
        if self._ro:
            raise _denied('virDomainSetVcpu', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetVcpu(self._o, vcpumap, state, flags)
        return 0 if ret is None else ret

    def setVcpus(self, nvcpus):
        """Call the driver's domainSetVcpus (libvirt's virDomainSetVcpus)."""
        if self._ro:
            raise _denied('virDomainSetVcpus', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetVcpus(self._o, nvcpus)
        return 0 if ret is None else ret

    def setVcpusFlags(self, nvcpus, flags=0):
        """Call the driver's domainSetVcpusFlags (libvirt's virDomainSetVcpusFlags)."""
        if self._ro:
            raise _denied('virDomainSetVcpusFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetVcpusFlags(self._o, nvcpus, flags)
        return 0 if ret is None else ret

    def shutdown(self):
        """Call the driver's domainShutdown (libvirt's virDomainShutdown)."""
        if self._ro:
            raise _denied('virDomainShutdown', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainShutdown(self._o)
        return 0 if ret is None else ret

    def shutdownFlags(self, flags=0):
        """Call the driver's domainShutdownFlags (libvirt's virDomainShutdownFlags)."""
        if self._ro:
            raise _denied('virDomainShutdownFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainShutdownFlags(self._o, flags)
        return 0 if ret is None else ret

    def snapshotCreateXML(self, xmlDesc, flags=0):
        """Call the driver's domainSnapshotCreateXML (libvirt's virDomainSnapshotCreateXML)."""
        if self._ro:
            raise _denied('virDomainSnapshotCreateXML', _C.VIR_FROM_DOMAIN)
        return virDomainSnapshot(self, self._drv.domainSnapshotCreateXML(self._o, xmlDesc, flags))

    def snapshotCurrent(self, flags=0):
        """Call the driver's domainSnapshotCurrent (libvirt's virDomainSnapshotCurrent)."""
        return virDomainSnapshot(self, self._drv.domainSnapshotCurrent(self._o, flags))

    def snapshotListNames(self, flags=0):
        """Call the driver's domainSnapshotListNames (libvirt's virDomainSnapshotListNames)."""
        return self._drv.domainSnapshotListNames(self._o, flags)

    def snapshotLookupByName(self, name, flags=0):
        """Call the driver's domainSnapshotLookupByName (libvirt's virDomainSnapshotLookupByName)."""
        return virDomainSnapshot(self, self._drv.domainSnapshotLookupByName(self._o, name, flags))

    def snapshotNum(self, flags=0):
        """Call the driver's domainSnapshotNum (libvirt's virDomainSnapshotNum)."""
        ret = self._drv.domainSnapshotNum(self._o, flags)
        return 0 if ret is None else ret

    def startDirtyRateCalc(self, seconds, flags=0):
        """Call the driver's domainStartDirtyRateCalc (libvirt's virDomainStartDirtyRateCalc)."""
        if self._ro:
            raise _denied('virDomainStartDirtyRateCalc', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainStartDirtyRateCalc(self._o, seconds, flags)
        return 0 if ret is None else ret

    def state(self, flags=0):
        """Call the driver's domainGetState (libvirt's virDomainGetState)."""
        return self._drv.domainGetState(self._o, flags)

    def suspend(self):
        """Call the driver's domainSuspend (libvirt's virDomainSuspend)."""
        if self._ro:
            raise _denied('virDomainSuspend', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSuspend(self._o)
        return 0 if ret is None else ret

    def undefine(self):
        """Call the driver's domainUndefine (libvirt's virDomainUndefine)."""
        if self._ro:
            raise _denied('virDomainUndefine', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainUndefine(self._o)
        return 0 if ret is None else ret

    def undefineFlags(self, flags=0):
        """Call the driver's domainUndefineFlags (libvirt's virDomainUndefineFlags)."""
        if self._ro:
            raise _denied('virDomainUndefineFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainUndefineFlags(self._o, flags)
        return 0 if ret is None else ret

    def updateDeviceFlags(self, xml, flags=0):
        """Call the driver's domainUpdateDeviceFlags (libvirt's virDomainUpdateDeviceFlags)."""
        if self._ro:
            raise _denied('virDomainUpdateDeviceFlags', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainUpdateDeviceFlags(self._o, xml, flags)
        return 0 if ret is None else ret

    def vcpuPinInfo(self, flags=0):
        """Call the driver's domainGetVcpuPinInfo (libvirt's virDomainGetVcpuPinInfo)."""
        return self._drv.domainGetVcpuPinInfo(self._o, flags)

    def vcpus(self):
        """Call the driver's domainGetVcpus (libvirt's virDomainGetVcpus)."""
        return self._drv.domainGetVcpus(self._o)

    def vcpusFlags(self, flags=0):
        """Call the driver's domainGetVcpusFlags (libvirt's virDomainGetVcpusFlags)."""
        ret = self._drv.domainGetVcpusFlags(self._o, flags)
        return 0 if ret is None else ret

    def listAllSnapshots(self, flags=0):
        """Call the driver's domainListAllSnapshots (libvirt's virDomainListAllSnapshots)."""
        return [virDomainSnapshot(self, h) for h in self._drv.domainListAllSnapshots(self._o, flags)]

    def listAllCheckpoints(self, flags=0):
        """Call the driver's domainListAllCheckpoints (libvirt's virDomainListAllCheckpoints)."""
        return [virDomainCheckpoint(self, h) for h in self._drv.domainListAllCheckpoints(self._o, flags)]

    def createWithFiles(self, files, flags=0):
        """Call the driver's domainCreateWithFiles (libvirt's virDomainCreateWithFiles)."""
        if self._ro:
            raise _denied('virDomainCreateWithFiles', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainCreateWithFiles(self._o, files, flags)
        return 0 if ret is None else ret

    def fsFreeze(self, mountpoints=None, flags=0):
        """Call the driver's domainFSFreeze (libvirt's virDomainFSFreeze)."""
        if self._ro:
            raise _denied('virDomainFSFreeze', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainFSFreeze(self._o, mountpoints, flags)
        return 0 if ret is None else ret

    def fsThaw(self, mountpoints=None, flags=0):
        """Call the driver's domainFSThaw (libvirt's virDomainFSThaw)."""
        if self._ro:
            raise _denied('virDomainFSThaw', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainFSThaw(self._o, mountpoints, flags)
        return 0 if ret is None else ret

    def getTime(self, flags=0):
        """Call the driver's domainGetTime (libvirt's virDomainGetTime)."""
        if self._ro:
            raise _denied('virDomainGetTime', _C.VIR_FROM_DOMAIN)
        return self._drv.domainGetTime(self._o, flags)

    def setTime(self, time=None, flags=0):
        """Call the driver's domainSetTime (libvirt's virDomainSetTime)."""
        if self._ro:
            raise _denied('virDomainSetTime', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSetTime(self._o, time, flags)
        return 0 if ret is None else ret

    def FDAssociate(self, name, files, flags=0):
        """Call the driver's domainFDAssociate (libvirt's virDomainFDAssociate)."""
        if self._ro:
            raise _denied('virDomainFDAssociate', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainFDAssociate(self._o, name, files, flags)
        return 0 if ret is None else ret


class _virNetwork:
    """Generated methods of virNetwork."""

    __slots__ = ()

    def DHCPLeases(self, mac=None, flags=0):
        """Call the driver's networkGetDHCPLeases (libvirt's virNetworkGetDHCPLeases)."""
        return self._drv.networkGetDHCPLeases(self._o, mac, flags)

    def XMLDesc(self, flags=0):
        """Call the driver's networkGetXMLDesc (libvirt's virNetworkGetXMLDesc)."""
        return self._drv.networkGetXMLDesc(self._o, flags)

    def autostart(self):
        """Call the driver's networkGetAutostart (libvirt's virNetworkGetAutostart)."""
        ret = self._drv.networkGetAutostart(self._o)
        return 0 if ret is None else ret

    def bridgeName(self):
        """Call the driver's networkGetBridgeName (libvirt's virNetworkGetBridgeName)."""
        return self._drv.networkGetBridgeName(self._o)

    def create(self):
        """Call the driver's networkCreate (libvirt's virNetworkCreate)."""
        if self._ro:
            raise _denied('virNetworkCreate', _C.VIR_FROM_NETWORK)
        ret = self._drv.networkCreate(self._o)
        return 0 if ret is None else ret

    def destroy(self):
        """Call the driver's networkDestroy (libvirt's virNetworkDestroy)."""
        if self._ro:
            raise _denied('virNetworkDestroy', _C.VIR_FROM_NETWORK)
        ret = self._drv.networkDestroy(self._o)
        return 0 if ret is None else ret

    def isActive(self):
        """Call the driver's networkIsActive (libvirt's virNetworkIsActive)."""
        ret = self._drv.networkIsActive(self._o)
        return 0 if ret is None else ret

    def isPersistent(self):
        """Call the driver's networkIsPersistent (libvirt's virNetworkIsPersistent)."""
        ret = self._drv.networkIsPersistent(self._o)
        return 0 if ret is None else ret

    def portCreateXML(self, xmldesc, flags=0):
        """Call the driver's networkPortCreateXML (libvirt's virNetworkPortCreateXML)."""
        if self._ro:
            raise _denied('virNetworkPortCreateXML', _C.VIR_FROM_NETWORK)
        return virNetworkPort(self, self._drv.networkPortCreateXML(self._o, xmldesc, flags))

    def portLookupByUUID(self, uuid):
        """Call the driver's networkPortLookupByUUID (libvirt's virNetworkPortLookupByUUID)."""
        if self._ro:
            raise _denied('virNetworkPortLookupByUUID', _C.VIR_FROM_NETWORK)
        return virNetworkPort(self, self._drv.networkPortLookupByUUID(self._o, uuid))

    def portLookupByUUIDString(self, uuidstr):
        """Call the driver's networkPortLookupByUUIDString (libvirt's virNetworkPortLookupByUUIDString)."""
        return virNetworkPort(self, self._drv.networkPortLookupByUUIDString(self._o, uuidstr))

    def setAutostart(self, autostart):
        """Call the driver's networkSetAutostart (libvirt's virNetworkSetAutostart)."""
        if self._ro:
            raise _denied('virNetworkSetAutostart', _C.VIR_FROM_NETWORK)
        ret = self._drv.networkSetAutostart(self._o, autostart)
        return 0 if ret is None else ret

    def undefine(self):
        """Call the driver's networkUndefine (libvirt's virNetworkUndefine)."""
        if self._ro:
            raise _denied('virNetworkUndefine', _C.VIR_FROM_NETWORK)
        ret = self._drv.networkUndefine(self._o)
        return 0 if ret is None else ret

    def update(self, command, section, parentIndex, xml, flags=0):
        """Call the driver's networkUpdate (libvirt's virNetworkUpdate)."""
        if self._ro:
            raise _denied('virNetworkUpdate', _C.VIR_FROM_NETWORK)
        ret = self._drv.networkUpdate(self._o, command, section, parentIndex, xml, flags)
        return 0 if ret is None else ret

    def listAllPorts(self, flags=0):
        """Call the driver's networkListAllPorts (libvirt's virNetworkListAllPorts)."""
        return [virNetworkPort(self, h) for h in self._drv.networkListAllPorts(self._o, flags)]


class _virNetworkPort:
    """Generated methods of virNetworkPort."""

    __slots__ = ()

    def XMLDesc(self, flags=0):
        """Call the driver's networkPortGetXMLDesc (libvirt's virNetworkPortGetXMLDesc)."""
        return self._drv.networkPortGetXMLDesc(self._o, flags)

    def delete(self, flags=0):
        """Call the driver's networkPortDelete (libvirt's virNetworkPortDelete)."""
        if self._ro:
            raise _denied('virNetworkPortDelete', _C.VIR_FROM_NETWORK)
        ret = self._drv.networkPortDelete(self._o, flags)
        return 0 if ret is None else ret

    def parameters(self, flags=0):
        """Call the driver's networkPortGetParameters (libvirt's virNetworkPortGetParameters)."""
        return self._drv.networkPortGetParameters(self._o, flags)

    def setParameters(self, params, flags=0):
        """Call the driver's networkPortSetParameters (libvirt's virNetworkPortSetParameters)."""
        if self._ro:
            raise _denied('virNetworkPortSetParameters', _C.VIR_FROM_NETWORK)
        ret = self._drv.networkPortSetParameters(self._o, params, flags)
        return 0 if ret is None else ret


class _virInterface:
    """Generated methods of virInterface."""

    __slots__ = ()

    def XMLDesc(self, flags=0):
        """Call the driver's interfaceGetXMLDesc (libvirt's virInterfaceGetXMLDesc)."""
        return self._drv.interfaceGetXMLDesc(self._o, flags)

    def create(self, flags=0):
        """Call the driver's interfaceCreate (libvirt's virInterfaceCreate)."""
        if self._ro:
            raise _denied('virInterfaceCreate', _C.VIR_FROM_INTERFACE)
        ret = self._drv.interfaceCreate(self._o, flags)
        return 0 if ret is None else ret

    def destroy(self, flags=0):
        """Call the driver's interfaceDestroy (libvirt's virInterfaceDestroy)."""
        if self._ro:
            raise _denied('virInterfaceDestroy', _C.VIR_FROM_INTERFACE)
        ret = self._drv.interfaceDestroy(self._o, flags)
        return 0 if ret is None else ret

    def isActive(self):
        """Call the driver's interfaceIsActive (libvirt's virInterfaceIsActive)."""
        ret = self._drv.interfaceIsActive(self._o)
        return 0 if ret is None else ret

    def undefine(self):
        """Call the driver's interfaceUndefine (libvirt's virInterfaceUndefine)."""
        if self._ro:
            raise _denied('virInterfaceUndefine', _C.VIR_FROM_INTERFACE)
        ret = self._drv.interfaceUndefine(self._o)
        return 0 if ret is None else ret


class _virStoragePool:
    """Generated methods of virStoragePool."""

    __slots__ = ()

    def XMLDesc(self, flags=0):
        """Call the driver's storagePoolGetXMLDesc (libvirt's virStoragePoolGetXMLDesc)."""
        return self._drv.storagePoolGetXMLDesc(self._o, flags)

    def autostart(self):
        """Call the driver's storagePoolGetAutostart (libvirt's virStoragePoolGetAutostart)."""
        ret = self._drv.storagePoolGetAutostart(self._o)
        return 0 if ret is None else ret

    def build(self, flags=0):
        """Call the driver's storagePoolBuild (libvirt's virStoragePoolBuild)."""
        if self._ro:
            raise _denied('virStoragePoolBuild', _C.VIR_FROM_STORAGE)
        ret = self._drv.storagePoolBuild(self._o, flags)
        return 0 if ret is None else ret

    def create(self, flags=0):
        """Call the driver's storagePoolCreate (libvirt's virStoragePoolCreate)."""
        if self._ro:
            raise _denied('virStoragePoolCreate', _C.VIR_FROM_STORAGE)
        ret = self._drv.storagePoolCreate(self._o, flags)
        return 0 if ret is None else ret

    def createXML(self, xmlDesc, flags=0):
        """Call the driver's storageVolCreateXML (libvirt's virStorageVolCreateXML)."""
        if self._ro:
            raise _denied('virStorageVolCreateXML', _C.VIR_FROM_STORAGE)
        return virStorageVol(self._conn, self._drv.storageVolCreateXML(self._o, xmlDesc, flags))

    def createXMLFrom(self, xmlDesc, clonevol, flags=0):
        """Call the driver's storageVolCreateXMLFrom (libvirt's virStorageVolCreateXMLFrom)."""
        if self._ro:
            raise _denied('virStorageVolCreateXMLFrom', _C.VIR_FROM_STORAGE)
        return virStorageVol(self._conn, self._drv.storageVolCreateXMLFrom(self._o, xmlDesc, None if clonevol is None else clonevol._o, flags))

    def delete(self, flags=0):
        """Call the driver's storagePoolDelete (libvirt's virStoragePoolDelete)."""
        if self._ro:
            raise _denied('virStoragePoolDelete', _C.VIR_FROM_STORAGE)
        ret = self._drv.storagePoolDelete(self._o, flags)
        return 0 if ret is None else ret

    def destroy(self):
        """Call the driver's storagePoolDestroy (libvirt's virStoragePoolDestroy)."""
        if self._ro:
            raise _denied('virStoragePoolDestroy', _C.VIR_FROM_STORAGE)
        ret = self._drv.storagePoolDestroy(self._o)
        return 0 if ret is None else ret

    def info(self):
        """Call the driver's storagePoolGetInfo (libvirt's virStoragePoolGetInfo)."""
        return self._drv.storagePoolGetInfo(self._o)

    def isActive(self):
        """Call the driver's storagePoolIsActive (libvirt's virStoragePoolIsActive)."""
        ret = self._drv.storagePoolIsActive(self._o)
        return 0 if ret is None else ret

    def isPersistent(self):
        """Call the driver's storagePoolIsPersistent (libvirt's virStoragePoolIsPersistent)."""
        ret = self._drv.storagePoolIsPersistent(self._o)
        return 0 if ret is None else ret

    def listVolumes(self):
        """Call the driver's storagePoolListVolumes (libvirt's virStoragePoolListVolumes)."""
        return self._drv.storagePoolListVolumes(self._o)

    def numOfVolumes(self):
        """Call the driver's storagePoolNumOfVolumes (libvirt's virStoragePoolNumOfVolumes)."""
        ret = self._drv.storagePoolNumOfVolumes(self._o)
        return 0 if ret is None else ret

    def refresh(self, flags=0):
        """Call the driver's storagePoolRefresh (libvirt's virStoragePoolRefresh)."""
        if self._ro:
            raise _denied('virStoragePoolRefresh', _C.VIR_FROM_STORAGE)
        ret = self._drv.storagePoolRefresh(self._o, flags)
        return 0 if ret is None else ret

    def setAutostart(self, autostart):
        """Call the driver's storagePoolSetAutostart (libvirt's virStoragePoolSetAutostart)."""
        if self._ro:
            raise _denied('virStoragePoolSetAutostart', _C.VIR_FROM_STORAGE)
        ret = self._drv.storagePoolSetAutostart(self._o, autostart)
        return 0 if ret is None else ret

    def storageVolLookupByName(self, name):
        """Call the driver's storageVolLookupByName (libvirt's virStorageVolLookupByName)."""
        return virStorageVol(self._conn, self._drv.storageVolLookupByName(self._o, name))

    def undefine(self):
        """Call the driver's storagePoolUndefine (libvirt's virStoragePoolUndefine)."""
        if self._ro:
            raise _denied('virStoragePoolUndefine', _C.VIR_FROM_STORAGE)
        ret = self._drv.storagePoolUndefine(self._o)
        return 0 if ret is None else ret

    def listAllVolumes(self, flags=0):
        """Call the driver's storagePoolListAllVolumes (libvirt's virStoragePoolListAllVolumes)."""
        return [virStorageVol(self._conn, h) for h in self._drv.storagePoolListAllVolumes(self._o, flags)]


class _virStorageVol:
    """Generated methods of virStorageVol."""

    __slots__ = ()

    def XMLDesc(self, flags=0):
        """Call the driver's storageVolGetXMLDesc (libvirt's virStorageVolGetXMLDesc)."""
        return self._drv.storageVolGetXMLDesc(self._o, flags)

    def delete(self, flags=0):
        """Call the driver's storageVolDelete (libvirt's virStorageVolDelete)."""
        if self._ro:
            raise _denied('virStorageVolDelete', _C.VIR_FROM_STORAGE)
        ret = self._drv.storageVolDelete(self._o, flags)
        return 0 if ret is None else ret

    def download(self, stream, offset, length, flags=0):
        """Call the driver's storageVolDownload (libvirt's virStorageVolDownload)."""
        if self._ro:
            raise _denied('virStorageVolDownload', _C.VIR_FROM_STORAGE)
        ret = self._drv.storageVolDownload(self._o, None if stream is None else stream._o, offset, length, flags)
        return 0 if ret is None else ret

    def info(self):
        """Call the driver's storageVolGetInfo (libvirt's virStorageVolGetInfo)."""
        return self._drv.storageVolGetInfo(self._o)

    def infoFlags(self, flags=0):
        """Call the driver's storageVolGetInfoFlags (libvirt's virStorageVolGetInfoFlags)."""
        return self._drv.storageVolGetInfoFlags(self._o, flags)

    def path(self):
        """Call the driver's storageVolGetPath (libvirt's virStorageVolGetPath)."""
        return self._drv.storageVolGetPath(self._o)

    def resize(self, capacity, flags=0):
        """Call the driver's storageVolResize (libvirt's virStorageVolResize)."""
        if self._ro:
            raise _denied('virStorageVolResize', _C.VIR_FROM_STORAGE)
        ret = self._drv.storageVolResize(self._o, capacity, flags)
        return 0 if ret is None else ret

    def storagePoolLookupByVolume(self):
        """Call the driver's storagePoolLookupByVolume (libvirt's virStoragePoolLookupByVolume)."""
        return virStoragePool(self._conn, self._drv.storagePoolLookupByVolume(self._o))

    def upload(self, stream, offset, length, flags=0):
        """Call the driver's storageVolUpload (libvirt's virStorageVolUpload)."""
        if self._ro:
            raise _denied('virStorageVolUpload', _C.VIR_FROM_STORAGE)
        ret = self._drv.storageVolUpload(self._o, None if stream is None else stream._o, offset, length, flags)
        return 0 if ret is None else ret

    def wipe(self, flags=0):
        """Call the driver's storageVolWipe (libvirt's virStorageVolWipe)."""
        if self._ro:
            raise _denied('virStorageVolWipe', _C.VIR_FROM_STORAGE)
        ret = self._drv.storageVolWipe(self._o, flags)
        return 0 if ret is None else ret

    def wipePattern(self, algorithm, flags=0):
        """Call the driver's storageVolWipePattern (libvirt's virStorageVolWipePattern)."""
        if self._ro:
            raise _denied('virStorageVolWipePattern', _C.VIR_FROM_STORAGE)
        ret = self._drv.storageVolWipePattern(self._o, algorithm, flags)
        return 0 if ret is None else ret


class _virConnect:
    """Generated methods of virConnect."""

    __slots__ = ()

    def allocPages(self, pages, startCell=0, cellCount=0, flags=0):
        """Call the driver's nodeAllocPages (libvirt's virNodeAllocPages)."""
        if self._ro:
            raise _denied('virNodeAllocPages', _C.VIR_FROM_DOMAIN)
        ret = self._hv.nodeAllocPages(pages, startCell, cellCount, flags)
        return 0 if ret is None else ret

    def baselineCPU(self, xmlCPUs, flags=0):
        """Call the driver's connectBaselineCPU (libvirt's virConnectBaselineCPU)."""
        return self._hv.connectBaselineCPU(xmlCPUs, flags)

    def baselineHypervisorCPU(self, emulator, arch, machine, virttype, xmlCPUs, flags=0):
        """Call the driver's connectBaselineHypervisorCPU (libvirt's virConnectBaselineHypervisorCPU)."""
        return self._hv.connectBaselineHypervisorCPU(emulator, arch, machine, virttype, xmlCPUs, flags)

    def changeBegin(self, flags=0):
        """Call the driver's interfaceChangeBegin (libvirt's virInterfaceChangeBegin)."""
        if self._ro:
            raise _denied('virInterfaceChangeBegin', _C.VIR_FROM_INTERFACE)
        ret = self._iface.interfaceChangeBegin(flags)
        return 0 if ret is None else ret

    def changeCommit(self, flags=0):
        """Call the driver's interfaceChangeCommit (libvirt's virInterfaceChangeCommit)."""
        if self._ro:
            raise _denied('virInterfaceChangeCommit', _C.VIR_FROM_INTERFACE)
        ret = self._iface.interfaceChangeCommit(flags)
        return 0 if ret is None else ret

    def changeRollback(self, flags=0):
        """Call the driver's interfaceChangeRollback (libvirt's virInterfaceChangeRollback)."""
        if self._ro:
            raise _denied('virInterfaceChangeRollback', _C.VIR_FROM_INTERFACE)
        ret = self._iface.interfaceChangeRollback(flags)
        return 0 if ret is None else ret

    def compareCPU(self, xmlDesc, flags=0):
        """Call the driver's connectCompareCPU (libvirt's virConnectCompareCPU)."""
        ret = self._hv.connectCompareCPU(xmlDesc, flags)
        return 0 if ret is None else ret

    def compareHypervisorCPU(self, emulator, arch, machine, virttype, xmlCPU, flags=0):
        """Call the driver's connectCompareHypervisorCPU (libvirt's virConnectCompareHypervisorCPU)."""
        if self._ro:
            raise _denied('virConnectCompareHypervisorCPU', _C.VIR_FROM_DOMAIN)
        ret = self._hv.connectCompareHypervisorCPU(emulator, arch, machine, virttype, xmlCPU, flags)
        return 0 if ret is None else ret

    def createLinux(self, xmlDesc, flags=0):
        """Call the driver's domainCreateLinux (libvirt's virDomainCreateLinux)."""
        if self._ro:
            raise _denied('virDomainCreateLinux', _C.VIR_FROM_DOMAIN)
        return virDomain(self, self._hv.domainCreateLinux(xmlDesc, flags))

    def createXML(self, xmlDesc, flags=0):
        """Call the driver's domainCreateXML (libvirt's virDomainCreateXML)."""
        if self._ro:
            raise _denied('virDomainCreateXML', _C.VIR_FROM_DOMAIN)
        return virDomain(self, self._hv.domainCreateXML(xmlDesc, flags))

    def defineXML(self, xml):
        """Call the driver's domainDefineXML (libvirt's virDomainDefineXML)."""
        if self._ro:
            raise _denied('virDomainDefineXML', _C.VIR_FROM_DOMAIN)
        return virDomain(self, self._hv.domainDefineXML(xml))

    def defineXMLFlags(self, xml, flags=0):
        """Call the driver's domainDefineXMLFlags (libvirt's virDomainDefineXMLFlags)."""
        if self._ro:
            raise _denied('virDomainDefineXMLFlags', _C.VIR_FROM_DOMAIN)
        return virDomain(self, self._hv.domainDefineXMLFlags(xml, flags))

    def domainXMLFromNative(self, nativeFormat, nativeConfig, flags=0):
        """Call the driver's connectDomainXMLFromNative (libvirt's virConnectDomainXMLFromNative)."""
        if self._ro:
            raise _denied('virConnectDomainXMLFromNative', _C.VIR_FROM_DOMAIN)
        return self._hv.connectDomainXMLFromNative(nativeFormat, nativeConfig, flags)

    def domainXMLToNative(self, nativeFormat, domainXml, flags=0):
        """Call the driver's connectDomainXMLToNative (libvirt's virConnectDomainXMLToNative)."""
        if self._ro:
            raise _denied('virConnectDomainXMLToNative', _C.VIR_FROM_DOMAIN)
        return self._hv.connectDomainXMLToNative(nativeFormat, domainXml, flags)

    def findStoragePoolSources(self, type, srcSpec, flags=0):
        """Call the driver's connectFindStoragePoolSources (libvirt's virConnectFindStoragePoolSources)."""
        if self._ro:
            raise _denied('virConnectFindStoragePoolSources', _C.VIR_FROM_STORAGE)
        return self._stor.connectFindStoragePoolSources(type, srcSpec, flags)

    def getCPUMap(self, flags=0):
        """Call the driver's nodeGetCPUMap (libvirt's virNodeGetCPUMap)."""
        return self._hv.nodeGetCPUMap(flags)

    def getCPUModelNames(self, arch, flags=0):
        """Call the driver's connectGetCPUModelNames (libvirt's virConnectGetCPUModelNames)."""
        return self._hv.connectGetCPUModelNames(arch, flags)

    def getCPUStats(self, cpuNum, flags=0):
        """Call the driver's nodeGetCPUStats (libvirt's virNodeGetCPUStats)."""
        return self._hv.nodeGetCPUStats(cpuNum, flags)

    def getCapabilities(self):
        """Call the driver's connectGetCapabilities (libvirt's virConnectGetCapabilities)."""
        return self._hv.connectGetCapabilities()

    def getCellsFreeMemory(self, startCell, maxCells):
        """Call the driver's nodeGetCellsFreeMemory (libvirt's virNodeGetCellsFreeMemory)."""
        return self._hv.nodeGetCellsFreeMemory(startCell, maxCells)

    def getDomainCapabilities(self, emulatorbin=None, arch=None, machine=None, virttype=None, flags=0):
        """Call the driver's connectGetDomainCapabilities (libvirt's virConnectGetDomainCapabilities)."""
        if self._ro:
            raise _denied('virConnectGetDomainCapabilities', _C.VIR_FROM_DOMAIN)
        return self._hv.connectGetDomainCapabilities(emulatorbin, arch, machine, virttype, flags)

    def getFreeMemory(self):
        """Call the driver's nodeGetFreeMemory (libvirt's virNodeGetFreeMemory)."""
        return self._hv.nodeGetFreeMemory()

    def getFreePages(self, pages, startCell, maxCells, flags=0):
        """Call the driver's nodeGetFreePages (libvirt's virNodeGetFreePages)."""
        return self._hv.nodeGetFreePages(pages, startCell, maxCells, flags)

    def getHostname(self):
        """Call the driver's connectGetHostname (libvirt's virConnectGetHostname)."""
        return self._hv.connectGetHostname()

    def getInfo(self):
        """Call the driver's nodeGetInfo (libvirt's virNodeGetInfo)."""
        return self._hv.nodeGetInfo()

    def getLibVersion(self):
        """Call the driver's connectGetLibVersion (libvirt's virConnectGetLibVersion)."""
        ret = self._hv.connectGetLibVersion()
        return 0 if ret is None else ret

    def getMaxVcpus(self, type):
        """Call the driver's connectGetMaxVcpus (libvirt's virConnectGetMaxVcpus)."""
        ret = self._hv.connectGetMaxVcpus(type)
        return 0 if ret is None else ret

    def getMemoryParameters(self, flags=0):
        """Call the driver's nodeGetMemoryParameters (libvirt's virNodeGetMemoryParameters)."""
        return self._hv.nodeGetMemoryParameters(flags)

    def getMemoryStats(self, cellNum, flags=0):
        """Call the driver's nodeGetMemoryStats (libvirt's virNodeGetMemoryStats)."""
        return self._hv.nodeGetMemoryStats(cellNum, flags)

    def getSEVInfo(self, flags=0):
        """Call the driver's nodeGetSEVInfo (libvirt's virNodeGetSEVInfo)."""
        if self._ro:
            raise _denied('virNodeGetSEVInfo', _C.VIR_FROM_DOMAIN)
        return self._hv.nodeGetSEVInfo(flags)

    def getSecurityModel(self):
        """Call the driver's nodeGetSecurityModel (libvirt's virNodeGetSecurityModel)."""
        return self._hv.nodeGetSecurityModel()

    def getStoragePoolCapabilities(self, flags=0):
        """Call the driver's connectGetStoragePoolCapabilities (libvirt's virConnectGetStoragePoolCapabilities)."""
        return self._stor.connectGetStoragePoolCapabilities(flags)

    def getSysinfo(self, flags=0):
        """Call the driver's connectGetSysinfo (libvirt's virConnectGetSysinfo)."""
        return self._hv.connectGetSysinfo(flags)

    def getType(self):
        """Call the driver's connectGetType (libvirt's virConnectGetType)."""
        return self._hv.connectGetType()

    def getVersion(self):
        """Call the driver's connectGetVersion (libvirt's virConnectGetVersion)."""
        ret = self._hv.connectGetVersion()
        return 0 if ret is None else ret

    def interfaceDefineXML(self, xml, flags=0):
        """Call the driver's interfaceDefineXML (libvirt's virInterfaceDefineXML)."""
        if self._ro:
            raise _denied('virInterfaceDefineXML', _C.VIR_FROM_INTERFACE)
        return virInterface(self, self._iface.interfaceDefineXML(xml, flags))

    def interfaceLookupByMACString(self, macstr):
        """Call the driver's interfaceLookupByMACString (libvirt's virInterfaceLookupByMACString)."""
        return virInterface(self, self._iface.interfaceLookupByMACString(macstr))

    def interfaceLookupByName(self, name):
        """Call the driver's interfaceLookupByName (libvirt's virInterfaceLookupByName)."""
        return virInterface(self, self._iface.interfaceLookupByName(name))

    def isAlive(self):
        """Call the driver's connectIsAlive (libvirt's virConnectIsAlive)."""
        ret = self._hv.connectIsAlive()
        return 0 if ret is None else ret

    def isEncrypted(self):
        """Call the driver's connectIsEncrypted (libvirt's virConnectIsEncrypted)."""
        ret = self._hv.connectIsEncrypted()
        return 0 if ret is None else ret

    def isSecure(self):
        """Call the driver's connectIsSecure (libvirt's virConnectIsSecure)."""
        ret = self._hv.connectIsSecure()
        return 0 if ret is None else ret

    def listDefinedDomains(self):
        """Call the driver's connectListDefinedDomains (libvirt's virConnectListDefinedDomains)."""
        return self._hv.connectListDefinedDomains()

    def listDefinedInterfaces(self):
        """Call the driver's connectListDefinedInterfaces (libvirt's virConnectListDefinedInterfaces)."""
        return self._iface.connectListDefinedInterfaces()

    def listDefinedNetworks(self):
        """Call the driver's connectListDefinedNetworks (libvirt's virConnectListDefinedNetworks)."""
        return self._net.connectListDefinedNetworks()

    def listDefinedStoragePools(self):
        """Call the driver's connectListDefinedStoragePools (libvirt's virConnectListDefinedStoragePools)."""
        return self._stor.connectListDefinedStoragePools()

    def listDevices(self, cap, flags=0):
        """Call the driver's nodeListDevices (libvirt's virNodeListDevices)."""
        return self._dev.nodeListDevices(cap, flags)

    def listDomainsID(self):
        """Call the driver's connectListDomains (libvirt's virConnectListDomains)."""
        return self._hv.connectListDomains()

    def listInterfaces(self):
        """Call the driver's connectListInterfaces (libvirt's virConnectListInterfaces)."""
        return self._iface.connectListInterfaces()

    def listNWFilters(self):
        """Call the driver's connectListNWFilters (libvirt's virConnectListNWFilters)."""
        return self._nwf.connectListNWFilters()

    def listNetworks(self):
        """Call the driver's connectListNetworks (libvirt's virConnectListNetworks)."""
        return self._net.connectListNetworks()

    def listSecrets(self):
        """Call the driver's connectListSecrets (libvirt's virConnectListSecrets)."""
        return self._sec.connectListSecrets()

    def listStoragePools(self):
        """Call the driver's connectListStoragePools (libvirt's virConnectListStoragePools)."""
        return self._stor.connectListStoragePools()

    def lookupByID(self, id):
        """Call the driver's domainLookupByID (libvirt's virDomainLookupByID)."""
        return virDomain(self, self._hv.domainLookupByID(id))

    def lookupByName(self, name):
        """Call the driver's domainLookupByName (libvirt's virDomainLookupByName)."""
        return virDomain(self, self._hv.domainLookupByName(name))

    def lookupByUUID(self, uuid):
        """Call the driver's domainLookupByUUID (libvirt's virDomainLookupByUUID)."""
        return virDomain(self, self._hv.domainLookupByUUID(uuid))

    def lookupByUUIDString(self, uuidstr):
        """Call the driver's domainLookupByUUIDString (libvirt's virDomainLookupByUUIDString)."""
        return virDomain(self, self._hv.domainLookupByUUIDString(uuidstr))

    def networkCreateXML(self, xmlDesc):
        """Call the driver's networkCreateXML (libvirt's virNetworkCreateXML)."""
        if self._ro:
            raise _denied('virNetworkCreateXML', _C.VIR_FROM_NETWORK)
        return virNetwork(self, self._net.networkCreateXML(xmlDesc))

    def networkCreateXMLFlags(self, xmlDesc, flags=0):
        """Call the driver's networkCreateXMLFlags (libvirt's virNetworkCreateXMLFlags)."""
        if self._ro:
            raise _denied('virNetworkCreateXMLFlags', _C.VIR_FROM_NETWORK)
        return virNetwork(self, self._net.networkCreateXMLFlags(xmlDesc, flags))

    def networkDefineXML(self, xml):
        """Call the driver's networkDefineXML (libvirt's virNetworkDefineXML)."""
        if self._ro:
            raise _denied('virNetworkDefineXML', _C.VIR_FROM_NETWORK)
        return virNetwork(self, self._net.networkDefineXML(xml))

    def networkDefineXMLFlags(self, xml, flags=0):
        """Call the driver's networkDefineXMLFlags (libvirt's virNetworkDefineXMLFlags)."""
        if self._ro:
            raise _denied('virNetworkDefineXMLFlags', _C.VIR_FROM_NETWORK)
        return virNetwork(self, self._net.networkDefineXMLFlags(xml, flags))

    def networkLookupByName(self, name):
        """Call the driver's networkLookupByName (libvirt's virNetworkLookupByName)."""
        return virNetwork(self, self._net.networkLookupByName(name))

    def networkLookupByUUID(self, uuid):
        """Call the driver's networkLookupByUUID (libvirt's virNetworkLookupByUUID)."""
        return virNetwork(self, self._net.networkLookupByUUID(uuid))

    def networkLookupByUUIDString(self, uuidstr):
        """Call the driver's networkLookupByUUIDString (libvirt's virNetworkLookupByUUIDString)."""
        return virNetwork(self, self._net.networkLookupByUUIDString(uuidstr))

    def nodeDeviceCreateXML(self, xmlDesc, flags=0):
        """Call the driver's nodeDeviceCreateXML (libvirt's virNodeDeviceCreateXML)."""
        if self._ro:
            raise _denied('virNodeDeviceCreateXML', _C.VIR_FROM_NODEDEV)
        return virNodeDevice(self, self._dev.nodeDeviceCreateXML(xmlDesc, flags))

    def nodeDeviceDefineXML(self, xmlDesc, flags=0):
        """Call the driver's nodeDeviceDefineXML (libvirt's virNodeDeviceDefineXML)."""
        if self._ro:
            raise _denied('virNodeDeviceDefineXML', _C.VIR_FROM_NODEDEV)
        return virNodeDevice(self, self._dev.nodeDeviceDefineXML(xmlDesc, flags))

    def nodeDeviceLookupByName(self, name):
        """Call the driver's nodeDeviceLookupByName (libvirt's virNodeDeviceLookupByName)."""
        return virNodeDevice(self, self._dev.nodeDeviceLookupByName(name))

    def nodeDeviceLookupSCSIHostByWWN(self, wwnn, wwpn, flags=0):
        """Call the driver's nodeDeviceLookupSCSIHostByWWN (libvirt's virNodeDeviceLookupSCSIHostByWWN)."""
        return virNodeDevice(self, self._dev.nodeDeviceLookupSCSIHostByWWN(wwnn, wwpn, flags))

    def numOfDefinedDomains(self):
        """Call the driver's connectNumOfDefinedDomains (libvirt's virConnectNumOfDefinedDomains)."""
        ret = self._hv.connectNumOfDefinedDomains()
        return 0 if ret is None else ret

    def numOfDefinedInterfaces(self):
        """Call the driver's connectNumOfDefinedInterfaces (libvirt's virConnectNumOfDefinedInterfaces)."""
        ret = self._iface.connectNumOfDefinedInterfaces()
        return 0 if ret is None else ret

    def numOfDefinedNetworks(self):
        """Call the driver's connectNumOfDefinedNetworks (libvirt's virConnectNumOfDefinedNetworks)."""
        ret = self._net.connectNumOfDefinedNetworks()
        return 0 if ret is None else ret

    def numOfDefinedStoragePools(self):
        """Call the driver's connectNumOfDefinedStoragePools (libvirt's virConnectNumOfDefinedStoragePools)."""
        ret = self._stor.connectNumOfDefinedStoragePools()
        return 0 if ret is None else ret

    def numOfDevices(self, cap, flags=0):
        """Call the driver's nodeNumOfDevices (libvirt's virNodeNumOfDevices)."""
        ret = self._dev.nodeNumOfDevices(cap, flags)
        return 0 if ret is None else ret

    def numOfDomains(self):
        """Call the driver's connectNumOfDomains (libvirt's virConnectNumOfDomains)."""
        ret = self._hv.connectNumOfDomains()
        return 0 if ret is None else ret

    def numOfInterfaces(self):
        """Call the driver's connectNumOfInterfaces (libvirt's virConnectNumOfInterfaces)."""
        ret = self._iface.connectNumOfInterfaces()
        return 0 if ret is None else ret

    def numOfNWFilters(self):
        """Call the driver's connectNumOfNWFilters (libvirt's virConnectNumOfNWFilters)."""
        ret = self._nwf.connectNumOfNWFilters()
        return 0 if ret is None else ret

    def numOfNetworks(self):
        """Call the driver's connectNumOfNetworks (libvirt's virConnectNumOfNetworks)."""
        ret = self._net.connectNumOfNetworks()
        return 0 if ret is None else ret

    def numOfSecrets(self):
        """Call the driver's connectNumOfSecrets (libvirt's virConnectNumOfSecrets)."""
        ret = self._sec.connectNumOfSecrets()
        return 0 if ret is None else ret

    def numOfStoragePools(self):
        """Call the driver's connectNumOfStoragePools (libvirt's virConnectNumOfStoragePools)."""
        ret = self._stor.connectNumOfStoragePools()
        return 0 if ret is None else ret

    def nwfilterBindingCreateXML(self, xml, flags=0):
        """Call the driver's nwfilterBindingCreateXML (libvirt's virNWFilterBindingCreateXML)."""
        if self._ro:
            raise _denied('virNWFilterBindingCreateXML', _C.VIR_FROM_NWFILTER)
        return virNWFilterBinding(self, self._nwf.nwfilterBindingCreateXML(xml, flags))

    def nwfilterBindingLookupByPortDev(self, portdev):
        """Call the driver's nwfilterBindingLookupByPortDev (libvirt's virNWFilterBindingLookupByPortDev)."""
        return virNWFilterBinding(self, self._nwf.nwfilterBindingLookupByPortDev(portdev))

    def nwfilterDefineXML(self, xmlDesc):
        """Call the driver's nwfilterDefineXML (libvirt's virNWFilterDefineXML)."""
        if self._ro:
            raise _denied('virNWFilterDefineXML', _C.VIR_FROM_NWFILTER)
        return virNWFilter(self, self._nwf.nwfilterDefineXML(xmlDesc))

    def nwfilterDefineXMLFlags(self, xmlDesc, flags=0):
        """Call the driver's nwfilterDefineXMLFlags (libvirt's virNWFilterDefineXMLFlags)."""
        if self._ro:
            raise _denied('virNWFilterDefineXMLFlags', _C.VIR_FROM_NWFILTER)
        return virNWFilter(self, self._nwf.nwfilterDefineXMLFlags(xmlDesc, flags))

    def nwfilterLookupByName(self, name):
        """Call the driver's nwfilterLookupByName (libvirt's virNWFilterLookupByName)."""
        return virNWFilter(self, self._nwf.nwfilterLookupByName(name))

    def nwfilterLookupByUUID(self, uuid):
        """Call the driver's nwfilterLookupByUUID (libvirt's virNWFilterLookupByUUID)."""
        return virNWFilter(self, self._nwf.nwfilterLookupByUUID(uuid))

    def nwfilterLookupByUUIDString(self, uuidstr):
        """Call the driver's nwfilterLookupByUUIDString (libvirt's virNWFilterLookupByUUIDString)."""
        return virNWFilter(self, self._nwf.nwfilterLookupByUUIDString(uuidstr))

    def restore(self, frm):
        """Call the driver's domainRestore (libvirt's virDomainRestore)."""
        if self._ro:
            raise _denied('virDomainRestore', _C.VIR_FROM_DOMAIN)
        ret = self._hv.domainRestore(frm)
        return 0 if ret is None else ret

    def restoreFlags(self, frm, dxml=None, flags=0):
        """Call the driver's domainRestoreFlags (libvirt's virDomainRestoreFlags)."""
        if self._ro:
            raise _denied('virDomainRestoreFlags', _C.VIR_FROM_DOMAIN)
        ret = self._hv.domainRestoreFlags(frm, dxml, flags)
        return 0 if ret is None else ret

    def restoreParams(self, params, flags=0):
        """Call the driver's domainRestoreParams (libvirt's virDomainRestoreParams)."""
        if self._ro:
            raise _denied('virDomainRestoreParams', _C.VIR_FROM_DOMAIN)
        ret = self._hv.domainRestoreParams(params, flags)
        return 0 if ret is None else ret

    def saveImageDefineXML(self, file, dxml, flags=0):
        """Call the driver's domainSaveImageDefineXML (libvirt's virDomainSaveImageDefineXML)."""
        if self._ro:
            raise _denied('virDomainSaveImageDefineXML', _C.VIR_FROM_DOMAIN)
        ret = self._hv.domainSaveImageDefineXML(file, dxml, flags)
        return 0 if ret is None else ret

    def saveImageGetXMLDesc(self, file, flags=0):
        """Call the driver's domainSaveImageGetXMLDesc (libvirt's virDomainSaveImageGetXMLDesc)."""
        if self._ro:
            raise _denied('virDomainSaveImageGetXMLDesc', _C.VIR_FROM_DOMAIN)
        return self._hv.domainSaveImageGetXMLDesc(file, flags)

    def secretDefineXML(self, xml, flags=0):
        """Call the driver's secretDefineXML (libvirt's virSecretDefineXML)."""
        if self._ro:
            raise _denied('virSecretDefineXML', _C.VIR_FROM_SECRET)
        return virSecret(self, self._sec.secretDefineXML(xml, flags))

    def secretLookupByUUID(self, uuid):
        """Call the driver's secretLookupByUUID (libvirt's virSecretLookupByUUID)."""
        if self._ro:
            raise _denied('virSecretLookupByUUID', _C.VIR_FROM_SECRET)
        return virSecret(self, self._sec.secretLookupByUUID(uuid))

    def secretLookupByUUIDString(self, uuidstr):
        """Call the driver's secretLookupByUUIDString (libvirt's virSecretLookupByUUIDString)."""
        return virSecret(self, self._sec.secretLookupByUUIDString(uuidstr))

    def secretLookupByUsage(self, usageType, usageID):
        """Call the driver's secretLookupByUsage (libvirt's virSecretLookupByUsage)."""
        return virSecret(self, self._sec.secretLookupByUsage(usageType, usageID))

    def setIdentity(self, params, flags=0):
        """Call the driver's connectSetIdentity (libvirt's virConnectSetIdentity)."""
        if self._ro:
            raise _denied('virConnectSetIdentity', _C.VIR_FROM_DOMAIN)
        ret = self._hv.connectSetIdentity(params, flags)
        return 0 if ret is None else ret

    def setKeepAlive(self, interval, count):
        """Call the driver's connectSetKeepAlive (libvirt's virConnectSetKeepAlive)."""
        if self._ro:
            raise _denied('virConnectSetKeepAlive', _C.VIR_FROM_DOMAIN)
        ret = self._hv.connectSetKeepAlive(interval, count)
        return 0 if ret is None else ret

    def setMemoryParameters(self, params, flags=0):
        """Call the driver's nodeSetMemoryParameters (libvirt's virNodeSetMemoryParameters)."""
        if self._ro:
            raise _denied('virNodeSetMemoryParameters', _C.VIR_FROM_DOMAIN)
        ret = self._hv.nodeSetMemoryParameters(params, flags)
        return 0 if ret is None else ret

    def storagePoolCreateXML(self, xmlDesc, flags=0):
        """Call the driver's storagePoolCreateXML (libvirt's virStoragePoolCreateXML)."""
        if self._ro:
            raise _denied('virStoragePoolCreateXML', _C.VIR_FROM_STORAGE)
        return virStoragePool(self, self._stor.storagePoolCreateXML(xmlDesc, flags))

    def storagePoolDefineXML(self, xml, flags=0):
        """Call the driver's storagePoolDefineXML (libvirt's virStoragePoolDefineXML)."""
        if self._ro:
            raise _denied('virStoragePoolDefineXML', _C.VIR_FROM_STORAGE)
        return virStoragePool(self, self._stor.storagePoolDefineXML(xml, flags))

    def storagePoolLookupByName(self, name):
        """Call the driver's storagePoolLookupByName (libvirt's virStoragePoolLookupByName)."""
        return virStoragePool(self, self._stor.storagePoolLookupByName(name))

    def storagePoolLookupByTargetPath(self, path):
        """Call the driver's storagePoolLookupByTargetPath (libvirt's virStoragePoolLookupByTargetPath)."""
        return virStoragePool(self, self._stor.storagePoolLookupByTargetPath(path))

    def storagePoolLookupByUUID(self, uuid):
        """Call the driver's storagePoolLookupByUUID (libvirt's virStoragePoolLookupByUUID)."""
        return virStoragePool(self, self._stor.storagePoolLookupByUUID(uuid))

    def storagePoolLookupByUUIDString(self, uuidstr):
        """Call the driver's storagePoolLookupByUUIDString (libvirt's virStoragePoolLookupByUUIDString)."""
        return virStoragePool(self, self._stor.storagePoolLookupByUUIDString(uuidstr))

    def storageVolLookupByKey(self, key):
        """Call the driver's storageVolLookupByKey (libvirt's virStorageVolLookupByKey)."""
        return virStorageVol(self, self._stor.storageVolLookupByKey(key))

    def storageVolLookupByPath(self, path):
        """Call the driver's storageVolLookupByPath (libvirt's virStorageVolLookupByPath)."""
        return virStorageVol(self, self._stor.storageVolLookupByPath(path))

    def suspendForDuration(self, target, duration, flags=0):
        """Call the driver's nodeSuspendForDuration (libvirt's virNodeSuspendForDuration)."""
        if self._ro:
            raise _denied('virNodeSuspendForDuration', _C.VIR_FROM_DOMAIN)
        ret = self._hv.nodeSuspendForDuration(target, duration, flags)
        return 0 if ret is None else ret

    def listAllDomains(self, flags=0):
        """Call the driver's connectListAllDomains (libvirt's virConnectListAllDomains)."""
        return [virDomain(self, h) for h in self._hv.connectListAllDomains(flags)]

    def listAllStoragePools(self, flags=0):
        """Call the driver's connectListAllStoragePools (libvirt's virConnectListAllStoragePools)."""
        return [virStoragePool(self, h) for h in self._stor.connectListAllStoragePools(flags)]

    def listAllNetworks(self, flags=0):
        """Call the driver's connectListAllNetworks (libvirt's virConnectListAllNetworks)."""
        return [virNetwork(self, h) for h in self._net.connectListAllNetworks(flags)]

    def listAllInterfaces(self, flags=0):
        """Call the driver's connectListAllInterfaces (libvirt's virConnectListAllInterfaces)."""
        return [virInterface(self, h) for h in self._iface.connectListAllInterfaces(flags)]

    def listAllDevices(self, flags=0):
        """Call the driver's connectListAllNodeDevices (libvirt's virConnectListAllNodeDevices)."""
        return [virNodeDevice(self, h) for h in self._dev.connectListAllNodeDevices(flags)]

    def listAllNWFilters(self, flags=0):
        """Call the driver's connectListAllNWFilters (libvirt's virConnectListAllNWFilters)."""
        return [virNWFilter(self, h) for h in self._nwf.connectListAllNWFilters(flags)]

    def listAllNWFilterBindings(self, flags=0):
        """Call the driver's connectListAllNWFilterBindings (libvirt's virConnectListAllNWFilterBindings)."""
        return [virNWFilterBinding(self, h) for h in self._nwf.connectListAllNWFilterBindings(flags)]

    def listAllSecrets(self, flags=0):
        """Call the driver's connectListAllSecrets (libvirt's virConnectListAllSecrets)."""
        return [virSecret(self, h) for h in self._sec.connectListAllSecrets(flags)]

    def createXMLWithFiles(self, xmlDesc, files, flags=0):
        """Call the driver's domainCreateXMLWithFiles (libvirt's virDomainCreateXMLWithFiles)."""
        if self._ro:
            raise _denied('virDomainCreateXMLWithFiles', _C.VIR_FROM_DOMAIN)
        return virDomain(self, self._hv.domainCreateXMLWithFiles(xmlDesc, files, flags))


class _virNodeDevice:
    """Generated methods of virNodeDevice."""

    __slots__ = ()

    def XMLDesc(self, flags=0):
        """Call the driver's nodeDeviceGetXMLDesc (libvirt's virNodeDeviceGetXMLDesc)."""
        return self._drv.nodeDeviceGetXMLDesc(self._o, flags)

    def autostart(self):
        """Call the driver's nodeDeviceGetAutostart (libvirt's virNodeDeviceGetAutostart)."""
        if self._ro:
            raise _denied('virNodeDeviceGetAutostart', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceGetAutostart(self._o)
        return 0 if ret is None else ret

    def create(self, flags=0):
        """Call the driver's nodeDeviceCreate (libvirt's virNodeDeviceCreate)."""
        if self._ro:
            raise _denied('virNodeDeviceCreate', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceCreate(self._o, flags)
        return 0 if ret is None else ret

    def destroy(self):
        """Call the driver's nodeDeviceDestroy (libvirt's virNodeDeviceDestroy)."""
        if self._ro:
            raise _denied('virNodeDeviceDestroy', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceDestroy(self._o)
        return 0 if ret is None else ret

    def detachFlags(self, driverName, flags=0):
        """Call the driver's nodeDeviceDetachFlags (libvirt's virNodeDeviceDetachFlags)."""
        if self._ro:
            raise _denied('virNodeDeviceDetachFlags', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceDetachFlags(self._o, driverName, flags)
        return 0 if ret is None else ret

    def dettach(self):
        """Call the driver's nodeDeviceDettach (libvirt's virNodeDeviceDettach)."""
        if self._ro:
            raise _denied('virNodeDeviceDettach', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceDettach(self._o)
        return 0 if ret is None else ret

    def isActive(self):
        """Call the driver's nodeDeviceIsActive (libvirt's virNodeDeviceIsActive)."""
        ret = self._drv.nodeDeviceIsActive(self._o)
        return 0 if ret is None else ret

    def isPersistent(self):
        """Call the driver's nodeDeviceIsPersistent (libvirt's virNodeDeviceIsPersistent)."""
        ret = self._drv.nodeDeviceIsPersistent(self._o)
        return 0 if ret is None else ret

    def listCaps(self):
        """Call the driver's nodeDeviceListCaps (libvirt's virNodeDeviceListCaps)."""
        return self._drv.nodeDeviceListCaps(self._o)

    def numOfCaps(self):
        """Call the driver's nodeDeviceNumOfCaps (libvirt's virNodeDeviceNumOfCaps)."""
        ret = self._drv.nodeDeviceNumOfCaps(self._o)
        return 0 if ret is None else ret

    def parent(self):
        """Call the driver's nodeDeviceGetParent (libvirt's virNodeDeviceGetParent)."""
        return self._drv.nodeDeviceGetParent(self._o)

    def reAttach(self):
        """Call the driver's nodeDeviceReAttach (libvirt's virNodeDeviceReAttach)."""
        if self._ro:
            raise _denied('virNodeDeviceReAttach', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceReAttach(self._o)
        return 0 if ret is None else ret

    def reset(self):
        """Call the driver's nodeDeviceReset (libvirt's virNodeDeviceReset)."""
        if self._ro:
            raise _denied('virNodeDeviceReset', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceReset(self._o)
        return 0 if ret is None else ret

    def setAutostart(self, autostart):
        """Call the driver's nodeDeviceSetAutostart (libvirt's virNodeDeviceSetAutostart)."""
        if self._ro:
            raise _denied('virNodeDeviceSetAutostart', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceSetAutostart(self._o, autostart)
        return 0 if ret is None else ret

    def undefine(self, flags=0):
        """Call the driver's nodeDeviceUndefine (libvirt's virNodeDeviceUndefine)."""
        if self._ro:
            raise _denied('virNodeDeviceUndefine', _C.VIR_FROM_NODEDEV)
        ret = self._drv.nodeDeviceUndefine(self._o, flags)
        return 0 if ret is None else ret


class _virSecret:
    """Generated methods of virSecret."""

    __slots__ = ()

    def XMLDesc(self, flags=0):
        """Call the driver's secretGetXMLDesc (libvirt's virSecretGetXMLDesc)."""
        return self._drv.secretGetXMLDesc(self._o, flags)

    def setValue(self, value, flags=0):
        """Call the driver's secretSetValue (libvirt's virSecretSetValue)."""
        if self._ro:
            raise _denied('virSecretSetValue', _C.VIR_FROM_SECRET)
        ret = self._drv.secretSetValue(self._o, value, flags)
        return 0 if ret is None else ret

    def undefine(self):
        """Call the driver's secretUndefine (libvirt's virSecretUndefine)."""
        if self._ro:
            raise _denied('virSecretUndefine', _C.VIR_FROM_SECRET)
        ret = self._drv.secretUndefine(self._o)
        return 0 if ret is None else ret

    def usageID(self):
        """Call the driver's secretGetUsageID (libvirt's virSecretGetUsageID)."""
        return self._drv.secretGetUsageID(self._o)

    def usageType(self):
        """Call the driver's secretGetUsageType (libvirt's virSecretGetUsageType)."""
        return self._drv.secretGetUsageType(self._o)

    def value(self, flags=0):
        """Call the driver's secretGetValue (libvirt's virSecretGetValue)."""
        if self._ro:
            raise _denied('virSecretGetValue', _C.VIR_FROM_SECRET)
        return self._drv.secretGetValue(self._o, flags)


class _virNWFilter:
    """Generated methods of virNWFilter."""

    __slots__ = ()

    def XMLDesc(self, flags=0):
        """Call the driver's nwfilterGetXMLDesc (libvirt's virNWFilterGetXMLDesc)."""
        return self._drv.nwfilterGetXMLDesc(self._o, flags)

    def undefine(self):
        """Call the driver's nwfilterUndefine (libvirt's virNWFilterUndefine)."""
        if self._ro:
            raise _denied('virNWFilterUndefine', _C.VIR_FROM_NWFILTER)
        ret = self._drv.nwfilterUndefine(self._o)
        return 0 if ret is None else ret


class _virNWFilterBinding:
    """Generated methods of virNWFilterBinding."""

    __slots__ = ()

    def XMLDesc(self, flags=0):
        """Call the driver's nwfilterBindingGetXMLDesc (libvirt's virNWFilterBindingGetXMLDesc)."""
        return self._drv.nwfilterBindingGetXMLDesc(self._o, flags)

    def delete(self):
        """Call the driver's nwfilterBindingDelete (libvirt's virNWFilterBindingDelete)."""
        if self._ro:
            raise _denied('virNWFilterBindingDelete', _C.VIR_FROM_NWFILTER)
        ret = self._drv.nwfilterBindingDelete(self._o)
        return 0 if ret is None else ret


class _virStream:
    """Generated methods of virStream."""

    __slots__ = ()


class _virDomainCheckpoint:
    """Generated methods of virDomainCheckpoint."""

    __slots__ = ()

    def delete(self, flags=0):
        """Call the driver's domainCheckpointDelete (libvirt's virDomainCheckpointDelete)."""
        if self._ro:
            raise _denied('virDomainCheckpointDelete', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainCheckpointDelete(self._o, flags)
        return 0 if ret is None else ret

    def getParent(self, flags=0):
        """Call the driver's domainCheckpointGetParent (libvirt's virDomainCheckpointGetParent)."""
        return virDomainCheckpoint(self._dom, self._drv.domainCheckpointGetParent(self._o, flags))

    def getXMLDesc(self, flags=0):
        """Call the driver's domainCheckpointGetXMLDesc (libvirt's virDomainCheckpointGetXMLDesc)."""
        return self._drv.domainCheckpointGetXMLDesc(self._o, flags)

    def listAllChildren(self, flags=0):
        """Call the driver's domainCheckpointListAllChildren (libvirt's virDomainCheckpointListAllChildren)."""
        return [virDomainCheckpoint(self._dom, h) for h in self._drv.domainCheckpointListAllChildren(self._o, flags)]


class _virDomainSnapshot:
    """Generated methods of virDomainSnapshot."""

    __slots__ = ()

    def delete(self, flags=0):
        """Call the driver's domainSnapshotDelete (libvirt's virDomainSnapshotDelete)."""
        if self._ro:
            raise _denied('virDomainSnapshotDelete', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSnapshotDelete(self._o, flags)
        return 0 if ret is None else ret

    def getParent(self, flags=0):
        """Call the driver's domainSnapshotGetParent (libvirt's virDomainSnapshotGetParent)."""
        return virDomainSnapshot(self._dom, self._drv.domainSnapshotGetParent(self._o, flags))

    def getXMLDesc(self, flags=0):
        """Call the driver's domainSnapshotGetXMLDesc (libvirt's virDomainSnapshotGetXMLDesc)."""
        return self._drv.domainSnapshotGetXMLDesc(self._o, flags)

    def hasMetadata(self, flags=0):
        """Call the driver's domainSnapshotHasMetadata (libvirt's virDomainSnapshotHasMetadata)."""
        ret = self._drv.domainSnapshotHasMetadata(self._o, flags)
        return 0 if ret is None else ret

    def isCurrent(self, flags=0):
        """Call the driver's domainSnapshotIsCurrent (libvirt's virDomainSnapshotIsCurrent)."""
        ret = self._drv.domainSnapshotIsCurrent(self._o, flags)
        return 0 if ret is None else ret

    def listChildrenNames(self, flags=0):
        """Call the driver's domainSnapshotListChildrenNames (libvirt's virDomainSnapshotListChildrenNames)."""
        return self._drv.domainSnapshotListChildrenNames(self._o, flags)

    def numChildren(self, flags=0):
        """Call the driver's domainSnapshotNumChildren (libvirt's virDomainSnapshotNumChildren)."""
        if self._ro:
            raise _denied('virDomainSnapshotNumChildren', _C.VIR_FROM_DOMAIN)
        ret = self._drv.domainSnapshotNumChildren(self._o, flags)
        return 0 if ret is None else ret

    def listAllChildren(self, flags=0):
        """Call the driver's domainSnapshotListAllChildren (libvirt's virDomainSnapshotListAllChildren)."""
        return [virDomainSnapshot(self._dom, h) for h in self._drv.domainSnapshotListAllChildren(self._o, flags)]
