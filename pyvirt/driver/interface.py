"""The driver interface: one abstract class per object family.

Written by tools/gen_api.py; do not edit by hand.  Every method is named
after libvirt's C function (virDomainGetInfo -> domainGetInfo) and takes
the libvirt-python method's arguments, preceded by the handle of the
object it acts on.  Object arguments arrive as handles; object results
are returned as handles (lists of handles for listAll*); other results
in libvirt-python's shape.  A driver overrides what it supports; every
other method raises VIR_ERR_NO_SUPPORT naming the C function.
"""

# ruff: noqa: N802, N803, E501
# fmt: off
from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.errors import no_support


class HypervisorDriver:
    """Operations of the hypervisor family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_NONE

    def connectBaselineCPU(self, xmlCPUs: Any, flags: Any) -> Any:
        """libvirt's virConnectBaselineCPU."""
        raise no_support('virConnectBaselineCPU', self.error_domain)

    def connectBaselineHypervisorCPU(self, emulator: Any, arch: Any, machine: Any, virttype: Any, xmlCPUs: Any, flags: Any) -> Any:
        """libvirt's virConnectBaselineHypervisorCPU."""
        raise no_support('virConnectBaselineHypervisorCPU', self.error_domain)

    def connectClose(self) -> Any:
        """libvirt's virConnectClose."""
        raise no_support('virConnectClose', self.error_domain)

    def connectCompareCPU(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virConnectCompareCPU."""
        raise no_support('virConnectCompareCPU', self.error_domain)

    def connectCompareHypervisorCPU(self, emulator: Any, arch: Any, machine: Any, virttype: Any, xmlCPU: Any, flags: Any) -> Any:
        """libvirt's virConnectCompareHypervisorCPU."""
        raise no_support('virConnectCompareHypervisorCPU', self.error_domain)

    def connectDomainEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectDomainEventDeregisterAny."""
        raise no_support('virConnectDomainEventDeregisterAny', self.error_domain)

    def connectDomainEventRegisterAny(self, dom: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectDomainEventRegisterAny."""
        raise no_support('virConnectDomainEventRegisterAny', self.error_domain)

    def connectDomainXMLFromNative(self, nativeFormat: Any, nativeConfig: Any, flags: Any) -> Any:
        """libvirt's virConnectDomainXMLFromNative."""
        raise no_support('virConnectDomainXMLFromNative', self.error_domain)

    def connectDomainXMLToNative(self, nativeFormat: Any, domainXml: Any, flags: Any) -> Any:
        """libvirt's virConnectDomainXMLToNative."""
        raise no_support('virConnectDomainXMLToNative', self.error_domain)

    def connectGetAllDomainStats(self, stats: Any, flags: Any) -> Any:
        """libvirt's virConnectGetAllDomainStats."""
        raise no_support('virConnectGetAllDomainStats', self.error_domain)

    def connectGetCPUModelNames(self, arch: Any, flags: Any) -> Any:
        """libvirt's virConnectGetCPUModelNames."""
        raise no_support('virConnectGetCPUModelNames', self.error_domain)

    def connectGetCapabilities(self) -> Any:
        """libvirt's virConnectGetCapabilities."""
        raise no_support('virConnectGetCapabilities', self.error_domain)

    def connectGetDomainCapabilities(self, emulatorbin: Any, arch: Any, machine: Any, virttype: Any, flags: Any) -> Any:
        """libvirt's virConnectGetDomainCapabilities."""
        raise no_support('virConnectGetDomainCapabilities', self.error_domain)

    def connectGetHostname(self) -> Any:
        """libvirt's virConnectGetHostname."""
        raise no_support('virConnectGetHostname', self.error_domain)

    def connectGetLibVersion(self) -> Any:
        """libvirt's virConnectGetLibVersion."""
        raise no_support('virConnectGetLibVersion', self.error_domain)

    def connectGetMaxVcpus(self, type: Any) -> Any:
        """libvirt's virConnectGetMaxVcpus."""
        raise no_support('virConnectGetMaxVcpus', self.error_domain)

    def connectGetSysinfo(self, flags: Any) -> Any:
        """libvirt's virConnectGetSysinfo."""
        raise no_support('virConnectGetSysinfo', self.error_domain)

    def connectGetType(self) -> Any:
        """libvirt's virConnectGetType."""
        raise no_support('virConnectGetType', self.error_domain)

    def connectGetURI(self) -> Any:
        """libvirt's virConnectGetURI."""
        raise no_support('virConnectGetURI', self.error_domain)

    def connectGetVersion(self) -> Any:
        """libvirt's virConnectGetVersion."""
        raise no_support('virConnectGetVersion', self.error_domain)

    def connectIsAlive(self) -> Any:
        """libvirt's virConnectIsAlive."""
        raise no_support('virConnectIsAlive', self.error_domain)

    def connectIsEncrypted(self) -> Any:
        """libvirt's virConnectIsEncrypted."""
        raise no_support('virConnectIsEncrypted', self.error_domain)

    def connectIsSecure(self) -> Any:
        """libvirt's virConnectIsSecure."""
        raise no_support('virConnectIsSecure', self.error_domain)

    def connectListAllDomains(self, flags: Any) -> Any:
        """libvirt's virConnectListAllDomains."""
        raise no_support('virConnectListAllDomains', self.error_domain)

    def connectListDefinedDomains(self) -> Any:
        """libvirt's virConnectListDefinedDomains."""
        raise no_support('virConnectListDefinedDomains', self.error_domain)

    def connectListDomains(self) -> Any:
        """libvirt's virConnectListDomains."""
        raise no_support('virConnectListDomains', self.error_domain)

    def connectNumOfDefinedDomains(self) -> Any:
        """libvirt's virConnectNumOfDefinedDomains."""
        raise no_support('virConnectNumOfDefinedDomains', self.error_domain)

    def connectNumOfDomains(self) -> Any:
        """libvirt's virConnectNumOfDomains."""
        raise no_support('virConnectNumOfDomains', self.error_domain)

    def connectSetIdentity(self, params: Any, flags: Any) -> Any:
        """libvirt's virConnectSetIdentity."""
        raise no_support('virConnectSetIdentity', self.error_domain)

    def connectSetKeepAlive(self, interval: Any, count: Any) -> Any:
        """libvirt's virConnectSetKeepAlive."""
        raise no_support('virConnectSetKeepAlive', self.error_domain)

    def domainAbortJob(self, dom: Any) -> Any:
        """libvirt's virDomainAbortJob."""
        raise no_support('virDomainAbortJob', self.error_domain)

    def domainAbortJobFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainAbortJobFlags."""
        raise no_support('virDomainAbortJobFlags', self.error_domain)

    def domainAddIOThread(self, dom: Any, iothread_id: Any, flags: Any) -> Any:
        """libvirt's virDomainAddIOThread."""
        raise no_support('virDomainAddIOThread', self.error_domain)

    def domainAgentSetResponseTimeout(self, dom: Any, timeout: Any, flags: Any) -> Any:
        """libvirt's virDomainAgentSetResponseTimeout."""
        raise no_support('virDomainAgentSetResponseTimeout', self.error_domain)

    def domainAttachDevice(self, dom: Any, xml: Any) -> Any:
        """libvirt's virDomainAttachDevice."""
        raise no_support('virDomainAttachDevice', self.error_domain)

    def domainAttachDeviceFlags(self, dom: Any, xml: Any, flags: Any) -> Any:
        """libvirt's virDomainAttachDeviceFlags."""
        raise no_support('virDomainAttachDeviceFlags', self.error_domain)

    def domainAuthorizedSSHKeysGet(self, dom: Any, user: Any, flags: Any) -> Any:
        """libvirt's virDomainAuthorizedSSHKeysGet."""
        raise no_support('virDomainAuthorizedSSHKeysGet', self.error_domain)

    def domainAuthorizedSSHKeysSet(self, dom: Any, user: Any, keys: Any, flags: Any) -> Any:
        """libvirt's virDomainAuthorizedSSHKeysSet."""
        raise no_support('virDomainAuthorizedSSHKeysSet', self.error_domain)

    def domainBackupBegin(self, dom: Any, backupXML: Any, checkpointXML: Any, flags: Any) -> Any:
        """libvirt's virDomainBackupBegin."""
        raise no_support('virDomainBackupBegin', self.error_domain)

    def domainBackupGetXMLDesc(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainBackupGetXMLDesc."""
        raise no_support('virDomainBackupGetXMLDesc', self.error_domain)

    def domainBlockCommit(self, dom: Any, disk: Any, base: Any, top: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockCommit."""
        raise no_support('virDomainBlockCommit', self.error_domain)

    def domainBlockCopy(self, dom: Any, disk: Any, destxml: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockCopy."""
        raise no_support('virDomainBlockCopy', self.error_domain)

    def domainBlockJobAbort(self, dom: Any, disk: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockJobAbort."""
        raise no_support('virDomainBlockJobAbort', self.error_domain)

    def domainBlockJobSetSpeed(self, dom: Any, disk: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockJobSetSpeed."""
        raise no_support('virDomainBlockJobSetSpeed', self.error_domain)

    def domainBlockPeek(self, dom: Any, disk: Any, offset: Any, size: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockPeek."""
        raise no_support('virDomainBlockPeek', self.error_domain)

    def domainBlockPull(self, dom: Any, disk: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockPull."""
        raise no_support('virDomainBlockPull', self.error_domain)

    def domainBlockRebase(self, dom: Any, disk: Any, base: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockRebase."""
        raise no_support('virDomainBlockRebase', self.error_domain)

    def domainBlockResize(self, dom: Any, disk: Any, size: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockResize."""
        raise no_support('virDomainBlockResize', self.error_domain)

    def domainBlockStats(self, dom: Any, path: Any) -> Any:
        """libvirt's virDomainBlockStats."""
        raise no_support('virDomainBlockStats', self.error_domain)

    def domainBlockStatsFlags(self, dom: Any, path: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockStatsFlags."""
        raise no_support('virDomainBlockStatsFlags', self.error_domain)

    def domainCheckpointCreateXML(self, dom: Any, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointCreateXML."""
        raise no_support('virDomainCheckpointCreateXML', self.error_domain)

    def domainCheckpointDelete(self, checkpoint: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointDelete."""
        raise no_support('virDomainCheckpointDelete', self.error_domain)

    def domainCheckpointGetParent(self, checkpoint: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointGetParent."""
        raise no_support('virDomainCheckpointGetParent', self.error_domain)

    def domainCheckpointGetXMLDesc(self, checkpoint: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointGetXMLDesc."""
        raise no_support('virDomainCheckpointGetXMLDesc', self.error_domain)

    def domainCheckpointListAllChildren(self, checkpoint: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointListAllChildren."""
        raise no_support('virDomainCheckpointListAllChildren', self.error_domain)

    def domainCheckpointLookupByName(self, dom: Any, name: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointLookupByName."""
        raise no_support('virDomainCheckpointLookupByName', self.error_domain)

    def domainCoreDump(self, dom: Any, to: Any, flags: Any) -> Any:
        """libvirt's virDomainCoreDump."""
        raise no_support('virDomainCoreDump', self.error_domain)

    def domainCoreDumpWithFormat(self, dom: Any, to: Any, dumpformat: Any, flags: Any) -> Any:
        """libvirt's virDomainCoreDumpWithFormat."""
        raise no_support('virDomainCoreDumpWithFormat', self.error_domain)

    def domainCreate(self, dom: Any) -> Any:
        """libvirt's virDomainCreate."""
        raise no_support('virDomainCreate', self.error_domain)

    def domainCreateLinux(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateLinux."""
        raise no_support('virDomainCreateLinux', self.error_domain)

    def domainCreateWithFiles(self, dom: Any, files: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateWithFiles."""
        raise no_support('virDomainCreateWithFiles', self.error_domain)

    def domainCreateWithFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateWithFlags."""
        raise no_support('virDomainCreateWithFlags', self.error_domain)

    def domainCreateXML(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateXML."""
        raise no_support('virDomainCreateXML', self.error_domain)

    def domainCreateXMLWithFiles(self, xmlDesc: Any, files: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateXMLWithFiles."""
        raise no_support('virDomainCreateXMLWithFiles', self.error_domain)

    def domainDefineXML(self, xml: Any) -> Any:
        """libvirt's virDomainDefineXML."""
        raise no_support('virDomainDefineXML', self.error_domain)

    def domainDefineXMLFlags(self, xml: Any, flags: Any) -> Any:
        """libvirt's virDomainDefineXMLFlags."""
        raise no_support('virDomainDefineXMLFlags', self.error_domain)

    def domainDelIOThread(self, dom: Any, iothread_id: Any, flags: Any) -> Any:
        """libvirt's virDomainDelIOThread."""
        raise no_support('virDomainDelIOThread', self.error_domain)

    def domainDestroy(self, dom: Any) -> Any:
        """libvirt's virDomainDestroy."""
        raise no_support('virDomainDestroy', self.error_domain)

    def domainDestroyFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainDestroyFlags."""
        raise no_support('virDomainDestroyFlags', self.error_domain)

    def domainDetachDevice(self, dom: Any, xml: Any) -> Any:
        """libvirt's virDomainDetachDevice."""
        raise no_support('virDomainDetachDevice', self.error_domain)

    def domainDetachDeviceAlias(self, dom: Any, alias: Any, flags: Any) -> Any:
        """libvirt's virDomainDetachDeviceAlias."""
        raise no_support('virDomainDetachDeviceAlias', self.error_domain)

    def domainDetachDeviceFlags(self, dom: Any, xml: Any, flags: Any) -> Any:
        """libvirt's virDomainDetachDeviceFlags."""
        raise no_support('virDomainDetachDeviceFlags', self.error_domain)

    def domainFDAssociate(self, dom: Any, name: Any, files: Any, flags: Any) -> Any:
        """libvirt's virDomainFDAssociate."""
        raise no_support('virDomainFDAssociate', self.error_domain)

    def domainFSFreeze(self, dom: Any, mountpoints: Any, flags: Any) -> Any:
        """libvirt's virDomainFSFreeze."""
        raise no_support('virDomainFSFreeze', self.error_domain)

    def domainFSThaw(self, dom: Any, mountpoints: Any, flags: Any) -> Any:
        """libvirt's virDomainFSThaw."""
        raise no_support('virDomainFSThaw', self.error_domain)

    def domainFSTrim(self, dom: Any, mountPoint: Any, minimum: Any, flags: Any) -> Any:
        """libvirt's virDomainFSTrim."""
        raise no_support('virDomainFSTrim', self.error_domain)

    def domainGetAutostart(self, dom: Any) -> Any:
        """libvirt's virDomainGetAutostart."""
        raise no_support('virDomainGetAutostart', self.error_domain)

    def domainGetBlkioParameters(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetBlkioParameters."""
        raise no_support('virDomainGetBlkioParameters', self.error_domain)

    def domainGetBlockInfo(self, dom: Any, path: Any, flags: Any) -> Any:
        """libvirt's virDomainGetBlockInfo."""
        raise no_support('virDomainGetBlockInfo', self.error_domain)

    def domainGetBlockIoTune(self, dom: Any, disk: Any, flags: Any) -> Any:
        """libvirt's virDomainGetBlockIoTune."""
        raise no_support('virDomainGetBlockIoTune', self.error_domain)

    def domainGetBlockJobInfo(self, dom: Any, path: Any, flags: Any) -> Any:
        """libvirt's virDomainGetBlockJobInfo."""
        raise no_support('virDomainGetBlockJobInfo', self.error_domain)

    def domainGetCPUStats(self, dom: Any, total: Any, flags: Any) -> Any:
        """libvirt's virDomainGetCPUStats."""
        raise no_support('virDomainGetCPUStats', self.error_domain)

    def domainGetControlInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetControlInfo."""
        raise no_support('virDomainGetControlInfo', self.error_domain)

    def domainGetDiskErrors(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetDiskErrors."""
        raise no_support('virDomainGetDiskErrors', self.error_domain)

    def domainGetEmulatorPinInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetEmulatorPinInfo."""
        raise no_support('virDomainGetEmulatorPinInfo', self.error_domain)

    def domainGetFSInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetFSInfo."""
        raise no_support('virDomainGetFSInfo', self.error_domain)

    def domainGetGuestInfo(self, dom: Any, types: Any, flags: Any) -> Any:
        """libvirt's virDomainGetGuestInfo."""
        raise no_support('virDomainGetGuestInfo', self.error_domain)

    def domainGetGuestVcpus(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetGuestVcpus."""
        raise no_support('virDomainGetGuestVcpus', self.error_domain)

    def domainGetHostname(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetHostname."""
        raise no_support('virDomainGetHostname', self.error_domain)

    def domainGetIOThreadInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetIOThreadInfo."""
        raise no_support('virDomainGetIOThreadInfo', self.error_domain)

    def domainGetInfo(self, dom: Any) -> Any:
        """libvirt's virDomainGetInfo."""
        raise no_support('virDomainGetInfo', self.error_domain)

    def domainGetInterfaceParameters(self, dom: Any, device: Any, flags: Any) -> Any:
        """libvirt's virDomainGetInterfaceParameters."""
        raise no_support('virDomainGetInterfaceParameters', self.error_domain)

    def domainGetJobInfo(self, dom: Any) -> Any:
        """libvirt's virDomainGetJobInfo."""
        raise no_support('virDomainGetJobInfo', self.error_domain)

    def domainGetJobStats(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetJobStats."""
        raise no_support('virDomainGetJobStats', self.error_domain)

    def domainGetLaunchSecurityInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetLaunchSecurityInfo."""
        raise no_support('virDomainGetLaunchSecurityInfo', self.error_domain)

    def domainGetMaxMemory(self, dom: Any) -> Any:
        """libvirt's virDomainGetMaxMemory."""
        raise no_support('virDomainGetMaxMemory', self.error_domain)

    def domainGetMaxVcpus(self, dom: Any) -> Any:
        """libvirt's virDomainGetMaxVcpus."""
        raise no_support('virDomainGetMaxVcpus', self.error_domain)

    def domainGetMemoryParameters(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetMemoryParameters."""
        raise no_support('virDomainGetMemoryParameters', self.error_domain)

    def domainGetMessages(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetMessages."""
        raise no_support('virDomainGetMessages', self.error_domain)

    def domainGetMetadata(self, dom: Any, type: Any, uri: Any, flags: Any) -> Any:
        """libvirt's virDomainGetMetadata."""
        raise no_support('virDomainGetMetadata', self.error_domain)

    def domainGetNumaParameters(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetNumaParameters."""
        raise no_support('virDomainGetNumaParameters', self.error_domain)

    def domainGetOSType(self, dom: Any) -> Any:
        """libvirt's virDomainGetOSType."""
        raise no_support('virDomainGetOSType', self.error_domain)

    def domainGetPerfEvents(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetPerfEvents."""
        raise no_support('virDomainGetPerfEvents', self.error_domain)

    def domainGetSchedulerParameters(self, dom: Any) -> Any:
        """libvirt's virDomainGetSchedulerParameters."""
        raise no_support('virDomainGetSchedulerParameters', self.error_domain)

    def domainGetSchedulerParametersFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetSchedulerParametersFlags."""
        raise no_support('virDomainGetSchedulerParametersFlags', self.error_domain)

    def domainGetSchedulerType(self, dom: Any) -> Any:
        """libvirt's virDomainGetSchedulerType."""
        raise no_support('virDomainGetSchedulerType', self.error_domain)

    def domainGetSecurityLabel(self, dom: Any) -> Any:
        """libvirt's virDomainGetSecurityLabel."""
        raise no_support('virDomainGetSecurityLabel', self.error_domain)

    def domainGetSecurityLabelList(self, dom: Any) -> Any:
        """libvirt's virDomainGetSecurityLabelList."""
        raise no_support('virDomainGetSecurityLabelList', self.error_domain)

    def domainGetState(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetState."""
        raise no_support('virDomainGetState', self.error_domain)

    def domainGetTime(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetTime."""
        raise no_support('virDomainGetTime', self.error_domain)

    def domainGetVcpuPinInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetVcpuPinInfo."""
        raise no_support('virDomainGetVcpuPinInfo', self.error_domain)

    def domainGetVcpus(self, dom: Any) -> Any:
        """libvirt's virDomainGetVcpus."""
        raise no_support('virDomainGetVcpus', self.error_domain)

    def domainGetVcpusFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetVcpusFlags."""
        raise no_support('virDomainGetVcpusFlags', self.error_domain)

    def domainGetXMLDesc(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetXMLDesc."""
        raise no_support('virDomainGetXMLDesc', self.error_domain)

    def domainHasCurrentSnapshot(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainHasCurrentSnapshot."""
        raise no_support('virDomainHasCurrentSnapshot', self.error_domain)

    def domainHasManagedSaveImage(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainHasManagedSaveImage."""
        raise no_support('virDomainHasManagedSaveImage', self.error_domain)

    def domainInjectNMI(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainInjectNMI."""
        raise no_support('virDomainInjectNMI', self.error_domain)

    def domainInterfaceAddresses(self, dom: Any, source: Any, flags: Any) -> Any:
        """libvirt's virDomainInterfaceAddresses."""
        raise no_support('virDomainInterfaceAddresses', self.error_domain)

    def domainInterfaceStats(self, dom: Any, path: Any) -> Any:
        """libvirt's virDomainInterfaceStats."""
        raise no_support('virDomainInterfaceStats', self.error_domain)

    def domainIsActive(self, dom: Any) -> Any:
        """libvirt's virDomainIsActive."""
        raise no_support('virDomainIsActive', self.error_domain)

    def domainIsPersistent(self, dom: Any) -> Any:
        """libvirt's virDomainIsPersistent."""
        raise no_support('virDomainIsPersistent', self.error_domain)

    def domainIsUpdated(self, dom: Any) -> Any:
        """libvirt's virDomainIsUpdated."""
        raise no_support('virDomainIsUpdated', self.error_domain)

    def domainListAllCheckpoints(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainListAllCheckpoints."""
        raise no_support('virDomainListAllCheckpoints', self.error_domain)

    def domainListAllSnapshots(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainListAllSnapshots."""
        raise no_support('virDomainListAllSnapshots', self.error_domain)

    def domainListGetStats(self, doms: Any, stats: Any, flags: Any) -> Any:
        """libvirt's virDomainListGetStats."""
        raise no_support('virDomainListGetStats', self.error_domain)

    def domainLookupByID(self, id: Any) -> Any:
        """libvirt's virDomainLookupByID."""
        raise no_support('virDomainLookupByID', self.error_domain)

    def domainLookupByName(self, name: Any) -> Any:
        """libvirt's virDomainLookupByName."""
        raise no_support('virDomainLookupByName', self.error_domain)

    def domainLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virDomainLookupByUUID."""
        raise no_support('virDomainLookupByUUID', self.error_domain)

    def domainLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virDomainLookupByUUIDString."""
        raise no_support('virDomainLookupByUUIDString', self.error_domain)

    def domainManagedSave(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainManagedSave."""
        raise no_support('virDomainManagedSave', self.error_domain)

    def domainManagedSaveDefineXML(self, dom: Any, dxml: Any, flags: Any) -> Any:
        """libvirt's virDomainManagedSaveDefineXML."""
        raise no_support('virDomainManagedSaveDefineXML', self.error_domain)

    def domainManagedSaveGetXMLDesc(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainManagedSaveGetXMLDesc."""
        raise no_support('virDomainManagedSaveGetXMLDesc', self.error_domain)

    def domainManagedSaveRemove(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainManagedSaveRemove."""
        raise no_support('virDomainManagedSaveRemove', self.error_domain)

    def domainMemoryPeek(self, dom: Any, start: Any, size: Any, flags: Any) -> Any:
        """libvirt's virDomainMemoryPeek."""
        raise no_support('virDomainMemoryPeek', self.error_domain)

    def domainMemoryStats(self, dom: Any) -> Any:
        """libvirt's virDomainMemoryStats."""
        raise no_support('virDomainMemoryStats', self.error_domain)

    def domainMigrate(self, dom: Any, dconn: Any, flags: Any, dname: Any, uri: Any, bandwidth: Any) -> Any:
        """libvirt's virDomainMigrate."""
        raise no_support('virDomainMigrate', self.error_domain)

    def domainMigrate2(self, dom: Any, dconn: Any, dxml: Any, flags: Any, dname: Any, uri: Any, bandwidth: Any) -> Any:
        """libvirt's virDomainMigrate2."""
        raise no_support('virDomainMigrate2', self.error_domain)

    def domainMigrate3(self, dom: Any, dconn: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrate3."""
        raise no_support('virDomainMigrate3', self.error_domain)

    def domainMigrateGetCompressionCache(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateGetCompressionCache."""
        raise no_support('virDomainMigrateGetCompressionCache', self.error_domain)

    def domainMigrateGetMaxDowntime(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateGetMaxDowntime."""
        raise no_support('virDomainMigrateGetMaxDowntime', self.error_domain)

    def domainMigrateGetMaxSpeed(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateGetMaxSpeed."""
        raise no_support('virDomainMigrateGetMaxSpeed', self.error_domain)

    def domainMigrateSetCompressionCache(self, dom: Any, cacheSize: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateSetCompressionCache."""
        raise no_support('virDomainMigrateSetCompressionCache', self.error_domain)

    def domainMigrateSetMaxDowntime(self, dom: Any, downtime: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateSetMaxDowntime."""
        raise no_support('virDomainMigrateSetMaxDowntime', self.error_domain)

    def domainMigrateSetMaxSpeed(self, dom: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateSetMaxSpeed."""
        raise no_support('virDomainMigrateSetMaxSpeed', self.error_domain)

    def domainMigrateStartPostCopy(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateStartPostCopy."""
        raise no_support('virDomainMigrateStartPostCopy', self.error_domain)

    def domainMigrateToURI(self, dom: Any, duri: Any, flags: Any, dname: Any, bandwidth: Any) -> Any:
        """libvirt's virDomainMigrateToURI."""
        raise no_support('virDomainMigrateToURI', self.error_domain)

    def domainMigrateToURI2(self, dom: Any, dconnuri: Any, miguri: Any, dxml: Any, flags: Any, dname: Any, bandwidth: Any) -> Any:
        """libvirt's virDomainMigrateToURI2."""
        raise no_support('virDomainMigrateToURI2', self.error_domain)

    def domainMigrateToURI3(self, dom: Any, dconnuri: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateToURI3."""
        raise no_support('virDomainMigrateToURI3', self.error_domain)

    def domainOpenChannel(self, dom: Any, name: Any, st: Any, flags: Any) -> Any:
        """libvirt's virDomainOpenChannel."""
        raise no_support('virDomainOpenChannel', self.error_domain)

    def domainOpenConsole(self, dom: Any, dev_name: Any, st: Any, flags: Any) -> Any:
        """libvirt's virDomainOpenConsole."""
        raise no_support('virDomainOpenConsole', self.error_domain)

    def domainOpenGraphics(self, dom: Any, idx: Any, fd: Any, flags: Any) -> Any:
        """libvirt's virDomainOpenGraphics."""
        raise no_support('virDomainOpenGraphics', self.error_domain)

    def domainOpenGraphicsFD(self, dom: Any, idx: Any, flags: Any) -> Any:
        """libvirt's virDomainOpenGraphicsFD."""
        raise no_support('virDomainOpenGraphicsFD', self.error_domain)

    def domainPMSuspendForDuration(self, dom: Any, target: Any, duration: Any, flags: Any) -> Any:
        """libvirt's virDomainPMSuspendForDuration."""
        raise no_support('virDomainPMSuspendForDuration', self.error_domain)

    def domainPMWakeup(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainPMWakeup."""
        raise no_support('virDomainPMWakeup', self.error_domain)

    def domainPinEmulator(self, dom: Any, cpumap: Any, flags: Any) -> Any:
        """libvirt's virDomainPinEmulator."""
        raise no_support('virDomainPinEmulator', self.error_domain)

    def domainPinIOThread(self, dom: Any, iothread_val: Any, cpumap: Any, flags: Any) -> Any:
        """libvirt's virDomainPinIOThread."""
        raise no_support('virDomainPinIOThread', self.error_domain)

    def domainPinVcpu(self, dom: Any, vcpu: Any, cpumap: Any) -> Any:
        """libvirt's virDomainPinVcpu."""
        raise no_support('virDomainPinVcpu', self.error_domain)

    def domainPinVcpuFlags(self, dom: Any, vcpu: Any, cpumap: Any, flags: Any) -> Any:
        """libvirt's virDomainPinVcpuFlags."""
        raise no_support('virDomainPinVcpuFlags', self.error_domain)

    def domainReboot(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainReboot."""
        raise no_support('virDomainReboot', self.error_domain)

    def domainRename(self, dom: Any, new_name: Any, flags: Any) -> Any:
        """libvirt's virDomainRename."""
        raise no_support('virDomainRename', self.error_domain)

    def domainReset(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainReset."""
        raise no_support('virDomainReset', self.error_domain)

    def domainRestore(self, frm: Any) -> Any:
        """libvirt's virDomainRestore."""
        raise no_support('virDomainRestore', self.error_domain)

    def domainRestoreFlags(self, frm: Any, dxml: Any, flags: Any) -> Any:
        """libvirt's virDomainRestoreFlags."""
        raise no_support('virDomainRestoreFlags', self.error_domain)

    def domainRestoreParams(self, params: Any, flags: Any) -> Any:
        """libvirt's virDomainRestoreParams."""
        raise no_support('virDomainRestoreParams', self.error_domain)

    def domainResume(self, dom: Any) -> Any:
        """libvirt's virDomainResume."""
        raise no_support('virDomainResume', self.error_domain)

    def domainRevertToSnapshot(self, dom: Any, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainRevertToSnapshot."""
        raise no_support('virDomainRevertToSnapshot', self.error_domain)

    def domainSave(self, dom: Any, to: Any) -> Any:
        """libvirt's virDomainSave."""
        raise no_support('virDomainSave', self.error_domain)

    def domainSaveFlags(self, dom: Any, to: Any, dxml: Any, flags: Any) -> Any:
        """libvirt's virDomainSaveFlags."""
        raise no_support('virDomainSaveFlags', self.error_domain)

    def domainSaveImageDefineXML(self, file: Any, dxml: Any, flags: Any) -> Any:
        """libvirt's virDomainSaveImageDefineXML."""
        raise no_support('virDomainSaveImageDefineXML', self.error_domain)

    def domainSaveImageGetXMLDesc(self, file: Any, flags: Any) -> Any:
        """libvirt's virDomainSaveImageGetXMLDesc."""
        raise no_support('virDomainSaveImageGetXMLDesc', self.error_domain)

    def domainSaveParams(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSaveParams."""
        raise no_support('virDomainSaveParams', self.error_domain)

    def domainScreenshot(self, dom: Any, stream: Any, screen: Any, flags: Any) -> Any:
        """libvirt's virDomainScreenshot."""
        raise no_support('virDomainScreenshot', self.error_domain)

    def domainSendKey(self, dom: Any, codeset: Any, holdtime: Any, keycodes: Any, nkeycodes: Any, flags: Any) -> Any:
        """libvirt's virDomainSendKey."""
        raise no_support('virDomainSendKey', self.error_domain)

    def domainSendProcessSignal(self, dom: Any, pid_value: Any, signum: Any, flags: Any) -> Any:
        """libvirt's virDomainSendProcessSignal."""
        raise no_support('virDomainSendProcessSignal', self.error_domain)

    def domainSetAutostart(self, dom: Any, autostart: Any) -> Any:
        """libvirt's virDomainSetAutostart."""
        raise no_support('virDomainSetAutostart', self.error_domain)

    def domainSetBlkioParameters(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetBlkioParameters."""
        raise no_support('virDomainSetBlkioParameters', self.error_domain)

    def domainSetBlockIoTune(self, dom: Any, disk: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetBlockIoTune."""
        raise no_support('virDomainSetBlockIoTune', self.error_domain)

    def domainSetBlockThreshold(self, dom: Any, dev: Any, threshold: Any, flags: Any) -> Any:
        """libvirt's virDomainSetBlockThreshold."""
        raise no_support('virDomainSetBlockThreshold', self.error_domain)

    def domainSetGuestVcpus(self, dom: Any, cpumap: Any, state: Any, flags: Any) -> Any:
        """libvirt's virDomainSetGuestVcpus."""
        raise no_support('virDomainSetGuestVcpus', self.error_domain)

    def domainSetIOThreadParams(self, dom: Any, iothread_val: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetIOThreadParams."""
        raise no_support('virDomainSetIOThreadParams', self.error_domain)

    def domainSetInterfaceParameters(self, dom: Any, device: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetInterfaceParameters."""
        raise no_support('virDomainSetInterfaceParameters', self.error_domain)

    def domainSetLaunchSecurityState(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetLaunchSecurityState."""
        raise no_support('virDomainSetLaunchSecurityState', self.error_domain)

    def domainSetLifecycleAction(self, dom: Any, type: Any, action: Any, flags: Any) -> Any:
        """libvirt's virDomainSetLifecycleAction."""
        raise no_support('virDomainSetLifecycleAction', self.error_domain)

    def domainSetMaxMemory(self, dom: Any, memory: Any) -> Any:
        """libvirt's virDomainSetMaxMemory."""
        raise no_support('virDomainSetMaxMemory', self.error_domain)

    def domainSetMemory(self, dom: Any, memory: Any) -> Any:
        """libvirt's virDomainSetMemory."""
        raise no_support('virDomainSetMemory', self.error_domain)

    def domainSetMemoryFlags(self, dom: Any, memory: Any, flags: Any) -> Any:
        """libvirt's virDomainSetMemoryFlags."""
        raise no_support('virDomainSetMemoryFlags', self.error_domain)

    def domainSetMemoryParameters(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetMemoryParameters."""
        raise no_support('virDomainSetMemoryParameters', self.error_domain)

    def domainSetMemoryStatsPeriod(self, dom: Any, period: Any, flags: Any) -> Any:
        """libvirt's virDomainSetMemoryStatsPeriod."""
        raise no_support('virDomainSetMemoryStatsPeriod', self.error_domain)

    def domainSetMetadata(self, dom: Any, type: Any, metadata: Any, key: Any, uri: Any, flags: Any) -> Any:
        """libvirt's virDomainSetMetadata."""
        raise no_support('virDomainSetMetadata', self.error_domain)

    def domainSetNumaParameters(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetNumaParameters."""
        raise no_support('virDomainSetNumaParameters', self.error_domain)

    def domainSetPerfEvents(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetPerfEvents."""
        raise no_support('virDomainSetPerfEvents', self.error_domain)

    def domainSetSchedulerParameters(self, dom: Any, params: Any) -> Any:
        """libvirt's virDomainSetSchedulerParameters."""
        raise no_support('virDomainSetSchedulerParameters', self.error_domain)

    def domainSetSchedulerParametersFlags(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetSchedulerParametersFlags."""
        raise no_support('virDomainSetSchedulerParametersFlags', self.error_domain)

    def domainSetTime(self, dom: Any, time: Any, flags: Any) -> Any:
        """libvirt's virDomainSetTime."""
        raise no_support('virDomainSetTime', self.error_domain)

    def domainSetUserPassword(self, dom: Any, user: Any, password: Any, flags: Any) -> Any:
        """libvirt's virDomainSetUserPassword."""
        raise no_support('virDomainSetUserPassword', self.error_domain)

    def domainSetVcpu(self, dom: Any, vcpumap: Any, state: Any, flags: Any) -> Any:
        """libvirt's virDomainSetVcpu."""
        raise no_support('virDomainSetVcpu', self.error_domain)

    def domainSetVcpus(self, dom: Any, nvcpus: Any) -> Any:
        """libvirt's virDomainSetVcpus."""
        raise no_support('virDomainSetVcpus', self.error_domain)

    def domainSetVcpusFlags(self, dom: Any, nvcpus: Any, flags: Any) -> Any:
        """libvirt's virDomainSetVcpusFlags."""
        raise no_support('virDomainSetVcpusFlags', self.error_domain)

    def domainShutdown(self, dom: Any) -> Any:
        """libvirt's virDomainShutdown."""
        raise no_support('virDomainShutdown', self.error_domain)

    def domainShutdownFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainShutdownFlags."""
        raise no_support('virDomainShutdownFlags', self.error_domain)

    def domainSnapshotCreateXML(self, dom: Any, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotCreateXML."""
        raise no_support('virDomainSnapshotCreateXML', self.error_domain)

    def domainSnapshotCurrent(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotCurrent."""
        raise no_support('virDomainSnapshotCurrent', self.error_domain)

    def domainSnapshotDelete(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotDelete."""
        raise no_support('virDomainSnapshotDelete', self.error_domain)

    def domainSnapshotGetParent(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotGetParent."""
        raise no_support('virDomainSnapshotGetParent', self.error_domain)

    def domainSnapshotGetXMLDesc(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotGetXMLDesc."""
        raise no_support('virDomainSnapshotGetXMLDesc', self.error_domain)

    def domainSnapshotHasMetadata(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotHasMetadata."""
        raise no_support('virDomainSnapshotHasMetadata', self.error_domain)

    def domainSnapshotIsCurrent(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotIsCurrent."""
        raise no_support('virDomainSnapshotIsCurrent', self.error_domain)

    def domainSnapshotListAllChildren(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotListAllChildren."""
        raise no_support('virDomainSnapshotListAllChildren', self.error_domain)

    def domainSnapshotListChildrenNames(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotListChildrenNames."""
        raise no_support('virDomainSnapshotListChildrenNames', self.error_domain)

    def domainSnapshotListNames(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotListNames."""
        raise no_support('virDomainSnapshotListNames', self.error_domain)

    def domainSnapshotLookupByName(self, dom: Any, name: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotLookupByName."""
        raise no_support('virDomainSnapshotLookupByName', self.error_domain)

    def domainSnapshotNum(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotNum."""
        raise no_support('virDomainSnapshotNum', self.error_domain)

    def domainSnapshotNumChildren(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotNumChildren."""
        raise no_support('virDomainSnapshotNumChildren', self.error_domain)

    def domainStartDirtyRateCalc(self, dom: Any, seconds: Any, flags: Any) -> Any:
        """libvirt's virDomainStartDirtyRateCalc."""
        raise no_support('virDomainStartDirtyRateCalc', self.error_domain)

    def domainSuspend(self, dom: Any) -> Any:
        """libvirt's virDomainSuspend."""
        raise no_support('virDomainSuspend', self.error_domain)

    def domainUndefine(self, dom: Any) -> Any:
        """libvirt's virDomainUndefine."""
        raise no_support('virDomainUndefine', self.error_domain)

    def domainUndefineFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainUndefineFlags."""
        raise no_support('virDomainUndefineFlags', self.error_domain)

    def domainUpdateDeviceFlags(self, dom: Any, xml: Any, flags: Any) -> Any:
        """libvirt's virDomainUpdateDeviceFlags."""
        raise no_support('virDomainUpdateDeviceFlags', self.error_domain)

    def nodeAllocPages(self, pages: Any, startCell: Any, cellCount: Any, flags: Any) -> Any:
        """libvirt's virNodeAllocPages."""
        raise no_support('virNodeAllocPages', self.error_domain)

    def nodeGetCPUMap(self, flags: Any) -> Any:
        """libvirt's virNodeGetCPUMap."""
        raise no_support('virNodeGetCPUMap', self.error_domain)

    def nodeGetCPUStats(self, cpuNum: Any, flags: Any) -> Any:
        """libvirt's virNodeGetCPUStats."""
        raise no_support('virNodeGetCPUStats', self.error_domain)

    def nodeGetCellsFreeMemory(self, startCell: Any, maxCells: Any) -> Any:
        """libvirt's virNodeGetCellsFreeMemory."""
        raise no_support('virNodeGetCellsFreeMemory', self.error_domain)

    def nodeGetFreeMemory(self) -> Any:
        """libvirt's virNodeGetFreeMemory."""
        raise no_support('virNodeGetFreeMemory', self.error_domain)

    def nodeGetFreePages(self, pages: Any, startCell: Any, maxCells: Any, flags: Any) -> Any:
        """libvirt's virNodeGetFreePages."""
        raise no_support('virNodeGetFreePages', self.error_domain)

    def nodeGetInfo(self) -> Any:
        """libvirt's virNodeGetInfo."""
        raise no_support('virNodeGetInfo', self.error_domain)

    def nodeGetMemoryParameters(self, flags: Any) -> Any:
        """libvirt's virNodeGetMemoryParameters."""
        raise no_support('virNodeGetMemoryParameters', self.error_domain)

    def nodeGetMemoryStats(self, cellNum: Any, flags: Any) -> Any:
        """libvirt's virNodeGetMemoryStats."""
        raise no_support('virNodeGetMemoryStats', self.error_domain)

    def nodeGetSEVInfo(self, flags: Any) -> Any:
        """libvirt's virNodeGetSEVInfo."""
        raise no_support('virNodeGetSEVInfo', self.error_domain)

    def nodeGetSecurityModel(self) -> Any:
        """libvirt's virNodeGetSecurityModel."""
        raise no_support('virNodeGetSecurityModel', self.error_domain)

    def nodeSetMemoryParameters(self, params: Any, flags: Any) -> Any:
        """libvirt's virNodeSetMemoryParameters."""
        raise no_support('virNodeSetMemoryParameters', self.error_domain)

    def nodeSuspendForDuration(self, target: Any, duration: Any, flags: Any) -> Any:
        """libvirt's virNodeSuspendForDuration."""
        raise no_support('virNodeSuspendForDuration', self.error_domain)


class NetworkDriver:
    """Operations of the network family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_NETWORK

    def connectListAllNetworks(self, flags: Any) -> Any:
        """libvirt's virConnectListAllNetworks."""
        raise no_support('virConnectListAllNetworks', self.error_domain)

    def connectListDefinedNetworks(self) -> Any:
        """libvirt's virConnectListDefinedNetworks."""
        raise no_support('virConnectListDefinedNetworks', self.error_domain)

    def connectListNetworks(self) -> Any:
        """libvirt's virConnectListNetworks."""
        raise no_support('virConnectListNetworks', self.error_domain)

    def connectNetworkEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectNetworkEventDeregisterAny."""
        raise no_support('virConnectNetworkEventDeregisterAny', self.error_domain)

    def connectNetworkEventRegisterAny(self, net: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectNetworkEventRegisterAny."""
        raise no_support('virConnectNetworkEventRegisterAny', self.error_domain)

    def connectNumOfDefinedNetworks(self) -> Any:
        """libvirt's virConnectNumOfDefinedNetworks."""
        raise no_support('virConnectNumOfDefinedNetworks', self.error_domain)

    def connectNumOfNetworks(self) -> Any:
        """libvirt's virConnectNumOfNetworks."""
        raise no_support('virConnectNumOfNetworks', self.error_domain)

    def networkCreate(self, net: Any) -> Any:
        """libvirt's virNetworkCreate."""
        raise no_support('virNetworkCreate', self.error_domain)

    def networkCreateXML(self, xmlDesc: Any) -> Any:
        """libvirt's virNetworkCreateXML."""
        raise no_support('virNetworkCreateXML', self.error_domain)

    def networkCreateXMLFlags(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virNetworkCreateXMLFlags."""
        raise no_support('virNetworkCreateXMLFlags', self.error_domain)

    def networkDefineXML(self, xml: Any) -> Any:
        """libvirt's virNetworkDefineXML."""
        raise no_support('virNetworkDefineXML', self.error_domain)

    def networkDefineXMLFlags(self, xml: Any, flags: Any) -> Any:
        """libvirt's virNetworkDefineXMLFlags."""
        raise no_support('virNetworkDefineXMLFlags', self.error_domain)

    def networkDestroy(self, net: Any) -> Any:
        """libvirt's virNetworkDestroy."""
        raise no_support('virNetworkDestroy', self.error_domain)

    def networkGetAutostart(self, net: Any) -> Any:
        """libvirt's virNetworkGetAutostart."""
        raise no_support('virNetworkGetAutostart', self.error_domain)

    def networkGetBridgeName(self, net: Any) -> Any:
        """libvirt's virNetworkGetBridgeName."""
        raise no_support('virNetworkGetBridgeName', self.error_domain)

    def networkGetDHCPLeases(self, net: Any, mac: Any, flags: Any) -> Any:
        """libvirt's virNetworkGetDHCPLeases."""
        raise no_support('virNetworkGetDHCPLeases', self.error_domain)

    def networkGetXMLDesc(self, net: Any, flags: Any) -> Any:
        """libvirt's virNetworkGetXMLDesc."""
        raise no_support('virNetworkGetXMLDesc', self.error_domain)

    def networkIsActive(self, net: Any) -> Any:
        """libvirt's virNetworkIsActive."""
        raise no_support('virNetworkIsActive', self.error_domain)

    def networkIsPersistent(self, net: Any) -> Any:
        """libvirt's virNetworkIsPersistent."""
        raise no_support('virNetworkIsPersistent', self.error_domain)

    def networkListAllPorts(self, net: Any, flags: Any) -> Any:
        """libvirt's virNetworkListAllPorts."""
        raise no_support('virNetworkListAllPorts', self.error_domain)

    def networkLookupByName(self, name: Any) -> Any:
        """libvirt's virNetworkLookupByName."""
        raise no_support('virNetworkLookupByName', self.error_domain)

    def networkLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virNetworkLookupByUUID."""
        raise no_support('virNetworkLookupByUUID', self.error_domain)

    def networkLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virNetworkLookupByUUIDString."""
        raise no_support('virNetworkLookupByUUIDString', self.error_domain)

    def networkPortCreateXML(self, net: Any, xmldesc: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortCreateXML."""
        raise no_support('virNetworkPortCreateXML', self.error_domain)

    def networkPortDelete(self, port: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortDelete."""
        raise no_support('virNetworkPortDelete', self.error_domain)

    def networkPortGetParameters(self, port: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortGetParameters."""
        raise no_support('virNetworkPortGetParameters', self.error_domain)

    def networkPortGetXMLDesc(self, port: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortGetXMLDesc."""
        raise no_support('virNetworkPortGetXMLDesc', self.error_domain)

    def networkPortLookupByUUID(self, net: Any, uuid: Any) -> Any:
        """libvirt's virNetworkPortLookupByUUID."""
        raise no_support('virNetworkPortLookupByUUID', self.error_domain)

    def networkPortLookupByUUIDString(self, net: Any, uuidstr: Any) -> Any:
        """libvirt's virNetworkPortLookupByUUIDString."""
        raise no_support('virNetworkPortLookupByUUIDString', self.error_domain)

    def networkPortSetParameters(self, port: Any, params: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortSetParameters."""
        raise no_support('virNetworkPortSetParameters', self.error_domain)

    def networkSetAutostart(self, net: Any, autostart: Any) -> Any:
        """libvirt's virNetworkSetAutostart."""
        raise no_support('virNetworkSetAutostart', self.error_domain)

    def networkUndefine(self, net: Any) -> Any:
        """libvirt's virNetworkUndefine."""
        raise no_support('virNetworkUndefine', self.error_domain)

    def networkUpdate(self, net: Any, command: Any, section: Any, parentIndex: Any, xml: Any, flags: Any) -> Any:
        """libvirt's virNetworkUpdate."""
        raise no_support('virNetworkUpdate', self.error_domain)


class StorageDriver:
    """Operations of the storage family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_STORAGE

    def connectFindStoragePoolSources(self, type: Any, srcSpec: Any, flags: Any) -> Any:
        """libvirt's virConnectFindStoragePoolSources."""
        raise no_support('virConnectFindStoragePoolSources', self.error_domain)

    def connectGetStoragePoolCapabilities(self, flags: Any) -> Any:
        """libvirt's virConnectGetStoragePoolCapabilities."""
        raise no_support('virConnectGetStoragePoolCapabilities', self.error_domain)

    def connectListAllStoragePools(self, flags: Any) -> Any:
        """libvirt's virConnectListAllStoragePools."""
        raise no_support('virConnectListAllStoragePools', self.error_domain)

    def connectListDefinedStoragePools(self) -> Any:
        """libvirt's virConnectListDefinedStoragePools."""
        raise no_support('virConnectListDefinedStoragePools', self.error_domain)

    def connectListStoragePools(self) -> Any:
        """libvirt's virConnectListStoragePools."""
        raise no_support('virConnectListStoragePools', self.error_domain)

    def connectNumOfDefinedStoragePools(self) -> Any:
        """libvirt's virConnectNumOfDefinedStoragePools."""
        raise no_support('virConnectNumOfDefinedStoragePools', self.error_domain)

    def connectNumOfStoragePools(self) -> Any:
        """libvirt's virConnectNumOfStoragePools."""
        raise no_support('virConnectNumOfStoragePools', self.error_domain)

    def connectStoragePoolEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectStoragePoolEventDeregisterAny."""
        raise no_support('virConnectStoragePoolEventDeregisterAny', self.error_domain)

    def connectStoragePoolEventRegisterAny(self, pool: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectStoragePoolEventRegisterAny."""
        raise no_support('virConnectStoragePoolEventRegisterAny', self.error_domain)

    def storagePoolBuild(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolBuild."""
        raise no_support('virStoragePoolBuild', self.error_domain)

    def storagePoolCreate(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolCreate."""
        raise no_support('virStoragePoolCreate', self.error_domain)

    def storagePoolCreateXML(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolCreateXML."""
        raise no_support('virStoragePoolCreateXML', self.error_domain)

    def storagePoolDefineXML(self, xml: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolDefineXML."""
        raise no_support('virStoragePoolDefineXML', self.error_domain)

    def storagePoolDelete(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolDelete."""
        raise no_support('virStoragePoolDelete', self.error_domain)

    def storagePoolDestroy(self, pool: Any) -> Any:
        """libvirt's virStoragePoolDestroy."""
        raise no_support('virStoragePoolDestroy', self.error_domain)

    def storagePoolGetAutostart(self, pool: Any) -> Any:
        """libvirt's virStoragePoolGetAutostart."""
        raise no_support('virStoragePoolGetAutostart', self.error_domain)

    def storagePoolGetInfo(self, pool: Any) -> Any:
        """libvirt's virStoragePoolGetInfo."""
        raise no_support('virStoragePoolGetInfo', self.error_domain)

    def storagePoolGetXMLDesc(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolGetXMLDesc."""
        raise no_support('virStoragePoolGetXMLDesc', self.error_domain)

    def storagePoolIsActive(self, pool: Any) -> Any:
        """libvirt's virStoragePoolIsActive."""
        raise no_support('virStoragePoolIsActive', self.error_domain)

    def storagePoolIsPersistent(self, pool: Any) -> Any:
        """libvirt's virStoragePoolIsPersistent."""
        raise no_support('virStoragePoolIsPersistent', self.error_domain)

    def storagePoolListAllVolumes(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolListAllVolumes."""
        raise no_support('virStoragePoolListAllVolumes', self.error_domain)

    def storagePoolListVolumes(self, pool: Any) -> Any:
        """libvirt's virStoragePoolListVolumes."""
        raise no_support('virStoragePoolListVolumes', self.error_domain)

    def storagePoolLookupByName(self, name: Any) -> Any:
        """libvirt's virStoragePoolLookupByName."""
        raise no_support('virStoragePoolLookupByName', self.error_domain)

    def storagePoolLookupByTargetPath(self, path: Any) -> Any:
        """libvirt's virStoragePoolLookupByTargetPath."""
        raise no_support('virStoragePoolLookupByTargetPath', self.error_domain)

    def storagePoolLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virStoragePoolLookupByUUID."""
        raise no_support('virStoragePoolLookupByUUID', self.error_domain)

    def storagePoolLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virStoragePoolLookupByUUIDString."""
        raise no_support('virStoragePoolLookupByUUIDString', self.error_domain)

    def storagePoolLookupByVolume(self, vol: Any) -> Any:
        """libvirt's virStoragePoolLookupByVolume."""
        raise no_support('virStoragePoolLookupByVolume', self.error_domain)

    def storagePoolNumOfVolumes(self, pool: Any) -> Any:
        """libvirt's virStoragePoolNumOfVolumes."""
        raise no_support('virStoragePoolNumOfVolumes', self.error_domain)

    def storagePoolRefresh(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolRefresh."""
        raise no_support('virStoragePoolRefresh', self.error_domain)

    def storagePoolSetAutostart(self, pool: Any, autostart: Any) -> Any:
        """libvirt's virStoragePoolSetAutostart."""
        raise no_support('virStoragePoolSetAutostart', self.error_domain)

    def storagePoolUndefine(self, pool: Any) -> Any:
        """libvirt's virStoragePoolUndefine."""
        raise no_support('virStoragePoolUndefine', self.error_domain)

    def storageVolCreateXML(self, pool: Any, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virStorageVolCreateXML."""
        raise no_support('virStorageVolCreateXML', self.error_domain)

    def storageVolCreateXMLFrom(self, pool: Any, xmlDesc: Any, clonevol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolCreateXMLFrom."""
        raise no_support('virStorageVolCreateXMLFrom', self.error_domain)

    def storageVolDelete(self, vol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolDelete."""
        raise no_support('virStorageVolDelete', self.error_domain)

    def storageVolDownload(self, vol: Any, stream: Any, offset: Any, length: Any, flags: Any) -> Any:
        """libvirt's virStorageVolDownload."""
        raise no_support('virStorageVolDownload', self.error_domain)

    def storageVolGetInfo(self, vol: Any) -> Any:
        """libvirt's virStorageVolGetInfo."""
        raise no_support('virStorageVolGetInfo', self.error_domain)

    def storageVolGetInfoFlags(self, vol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolGetInfoFlags."""
        raise no_support('virStorageVolGetInfoFlags', self.error_domain)

    def storageVolGetPath(self, vol: Any) -> Any:
        """libvirt's virStorageVolGetPath."""
        raise no_support('virStorageVolGetPath', self.error_domain)

    def storageVolGetXMLDesc(self, vol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolGetXMLDesc."""
        raise no_support('virStorageVolGetXMLDesc', self.error_domain)

    def storageVolLookupByKey(self, key: Any) -> Any:
        """libvirt's virStorageVolLookupByKey."""
        raise no_support('virStorageVolLookupByKey', self.error_domain)

    def storageVolLookupByName(self, pool: Any, name: Any) -> Any:
        """libvirt's virStorageVolLookupByName."""
        raise no_support('virStorageVolLookupByName', self.error_domain)

    def storageVolLookupByPath(self, path: Any) -> Any:
        """libvirt's virStorageVolLookupByPath."""
        raise no_support('virStorageVolLookupByPath', self.error_domain)

    def storageVolResize(self, vol: Any, capacity: Any, flags: Any) -> Any:
        """libvirt's virStorageVolResize."""
        raise no_support('virStorageVolResize', self.error_domain)

    def storageVolUpload(self, vol: Any, stream: Any, offset: Any, length: Any, flags: Any) -> Any:
        """libvirt's virStorageVolUpload."""
        raise no_support('virStorageVolUpload', self.error_domain)

    def storageVolWipe(self, vol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolWipe."""
        raise no_support('virStorageVolWipe', self.error_domain)

    def storageVolWipePattern(self, vol: Any, algorithm: Any, flags: Any) -> Any:
        """libvirt's virStorageVolWipePattern."""
        raise no_support('virStorageVolWipePattern', self.error_domain)


class NodeDeviceDriver:
    """Operations of the nodedevice family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_NODEDEV

    def connectListAllNodeDevices(self, flags: Any) -> Any:
        """libvirt's virConnectListAllNodeDevices."""
        raise no_support('virConnectListAllNodeDevices', self.error_domain)

    def connectNodeDeviceEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectNodeDeviceEventDeregisterAny."""
        raise no_support('virConnectNodeDeviceEventDeregisterAny', self.error_domain)

    def connectNodeDeviceEventRegisterAny(self, dev: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectNodeDeviceEventRegisterAny."""
        raise no_support('virConnectNodeDeviceEventRegisterAny', self.error_domain)

    def nodeDeviceCreate(self, dev: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceCreate."""
        raise no_support('virNodeDeviceCreate', self.error_domain)

    def nodeDeviceCreateXML(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceCreateXML."""
        raise no_support('virNodeDeviceCreateXML', self.error_domain)

    def nodeDeviceDefineXML(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceDefineXML."""
        raise no_support('virNodeDeviceDefineXML', self.error_domain)

    def nodeDeviceDestroy(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceDestroy."""
        raise no_support('virNodeDeviceDestroy', self.error_domain)

    def nodeDeviceDetachFlags(self, dev: Any, driverName: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceDetachFlags."""
        raise no_support('virNodeDeviceDetachFlags', self.error_domain)

    def nodeDeviceDettach(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceDettach."""
        raise no_support('virNodeDeviceDettach', self.error_domain)

    def nodeDeviceGetAutostart(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceGetAutostart."""
        raise no_support('virNodeDeviceGetAutostart', self.error_domain)

    def nodeDeviceGetParent(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceGetParent."""
        raise no_support('virNodeDeviceGetParent', self.error_domain)

    def nodeDeviceGetXMLDesc(self, dev: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceGetXMLDesc."""
        raise no_support('virNodeDeviceGetXMLDesc', self.error_domain)

    def nodeDeviceIsActive(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceIsActive."""
        raise no_support('virNodeDeviceIsActive', self.error_domain)

    def nodeDeviceIsPersistent(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceIsPersistent."""
        raise no_support('virNodeDeviceIsPersistent', self.error_domain)

    def nodeDeviceListCaps(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceListCaps."""
        raise no_support('virNodeDeviceListCaps', self.error_domain)

    def nodeDeviceLookupByName(self, name: Any) -> Any:
        """libvirt's virNodeDeviceLookupByName."""
        raise no_support('virNodeDeviceLookupByName', self.error_domain)

    def nodeDeviceLookupSCSIHostByWWN(self, wwnn: Any, wwpn: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceLookupSCSIHostByWWN."""
        raise no_support('virNodeDeviceLookupSCSIHostByWWN', self.error_domain)

    def nodeDeviceNumOfCaps(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceNumOfCaps."""
        raise no_support('virNodeDeviceNumOfCaps', self.error_domain)

    def nodeDeviceReAttach(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceReAttach."""
        raise no_support('virNodeDeviceReAttach', self.error_domain)

    def nodeDeviceReset(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceReset."""
        raise no_support('virNodeDeviceReset', self.error_domain)

    def nodeDeviceSetAutostart(self, dev: Any, autostart: Any) -> Any:
        """libvirt's virNodeDeviceSetAutostart."""
        raise no_support('virNodeDeviceSetAutostart', self.error_domain)

    def nodeDeviceUndefine(self, dev: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceUndefine."""
        raise no_support('virNodeDeviceUndefine', self.error_domain)

    def nodeListDevices(self, cap: Any, flags: Any) -> Any:
        """libvirt's virNodeListDevices."""
        raise no_support('virNodeListDevices', self.error_domain)

    def nodeNumOfDevices(self, cap: Any, flags: Any) -> Any:
        """libvirt's virNodeNumOfDevices."""
        raise no_support('virNodeNumOfDevices', self.error_domain)


class SecretDriver:
    """Operations of the secret family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_SECRET

    def connectListAllSecrets(self, flags: Any) -> Any:
        """libvirt's virConnectListAllSecrets."""
        raise no_support('virConnectListAllSecrets', self.error_domain)

    def connectListSecrets(self) -> Any:
        """libvirt's virConnectListSecrets."""
        raise no_support('virConnectListSecrets', self.error_domain)

    def connectNumOfSecrets(self) -> Any:
        """libvirt's virConnectNumOfSecrets."""
        raise no_support('virConnectNumOfSecrets', self.error_domain)

    def connectSecretEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectSecretEventDeregisterAny."""
        raise no_support('virConnectSecretEventDeregisterAny', self.error_domain)

    def connectSecretEventRegisterAny(self, secret: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectSecretEventRegisterAny."""
        raise no_support('virConnectSecretEventRegisterAny', self.error_domain)

    def secretDefineXML(self, xml: Any, flags: Any) -> Any:
        """libvirt's virSecretDefineXML."""
        raise no_support('virSecretDefineXML', self.error_domain)

    def secretGetUsageID(self, secret: Any) -> Any:
        """libvirt's virSecretGetUsageID."""
        raise no_support('virSecretGetUsageID', self.error_domain)

    def secretGetUsageType(self, secret: Any) -> Any:
        """libvirt's virSecretGetUsageType."""
        raise no_support('virSecretGetUsageType', self.error_domain)

    def secretGetValue(self, secret: Any, flags: Any) -> Any:
        """libvirt's virSecretGetValue."""
        raise no_support('virSecretGetValue', self.error_domain)

    def secretGetXMLDesc(self, secret: Any, flags: Any) -> Any:
        """libvirt's virSecretGetXMLDesc."""
        raise no_support('virSecretGetXMLDesc', self.error_domain)

    def secretLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virSecretLookupByUUID."""
        raise no_support('virSecretLookupByUUID', self.error_domain)

    def secretLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virSecretLookupByUUIDString."""
        raise no_support('virSecretLookupByUUIDString', self.error_domain)

    def secretLookupByUsage(self, usageType: Any, usageID: Any) -> Any:
        """libvirt's virSecretLookupByUsage."""
        raise no_support('virSecretLookupByUsage', self.error_domain)

    def secretSetValue(self, secret: Any, value: Any, flags: Any) -> Any:
        """libvirt's virSecretSetValue."""
        raise no_support('virSecretSetValue', self.error_domain)

    def secretUndefine(self, secret: Any) -> Any:
        """libvirt's virSecretUndefine."""
        raise no_support('virSecretUndefine', self.error_domain)


class InterfaceDriver:
    """Operations of the interface family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_INTERFACE

    def connectListAllInterfaces(self, flags: Any) -> Any:
        """libvirt's virConnectListAllInterfaces."""
        raise no_support('virConnectListAllInterfaces', self.error_domain)

    def connectListDefinedInterfaces(self) -> Any:
        """libvirt's virConnectListDefinedInterfaces."""
        raise no_support('virConnectListDefinedInterfaces', self.error_domain)

    def connectListInterfaces(self) -> Any:
        """libvirt's virConnectListInterfaces."""
        raise no_support('virConnectListInterfaces', self.error_domain)

    def connectNumOfDefinedInterfaces(self) -> Any:
        """libvirt's virConnectNumOfDefinedInterfaces."""
        raise no_support('virConnectNumOfDefinedInterfaces', self.error_domain)

    def connectNumOfInterfaces(self) -> Any:
        """libvirt's virConnectNumOfInterfaces."""
        raise no_support('virConnectNumOfInterfaces', self.error_domain)

    def interfaceChangeBegin(self, flags: Any) -> Any:
        """libvirt's virInterfaceChangeBegin."""
        raise no_support('virInterfaceChangeBegin', self.error_domain)

    def interfaceChangeCommit(self, flags: Any) -> Any:
        """libvirt's virInterfaceChangeCommit."""
        raise no_support('virInterfaceChangeCommit', self.error_domain)

    def interfaceChangeRollback(self, flags: Any) -> Any:
        """libvirt's virInterfaceChangeRollback."""
        raise no_support('virInterfaceChangeRollback', self.error_domain)

    def interfaceCreate(self, iface: Any, flags: Any) -> Any:
        """libvirt's virInterfaceCreate."""
        raise no_support('virInterfaceCreate', self.error_domain)

    def interfaceDefineXML(self, xml: Any, flags: Any) -> Any:
        """libvirt's virInterfaceDefineXML."""
        raise no_support('virInterfaceDefineXML', self.error_domain)

    def interfaceDestroy(self, iface: Any, flags: Any) -> Any:
        """libvirt's virInterfaceDestroy."""
        raise no_support('virInterfaceDestroy', self.error_domain)

    def interfaceGetXMLDesc(self, iface: Any, flags: Any) -> Any:
        """libvirt's virInterfaceGetXMLDesc."""
        raise no_support('virInterfaceGetXMLDesc', self.error_domain)

    def interfaceIsActive(self, iface: Any) -> Any:
        """libvirt's virInterfaceIsActive."""
        raise no_support('virInterfaceIsActive', self.error_domain)

    def interfaceLookupByMACString(self, macstr: Any) -> Any:
        """libvirt's virInterfaceLookupByMACString."""
        raise no_support('virInterfaceLookupByMACString', self.error_domain)

    def interfaceLookupByName(self, name: Any) -> Any:
        """libvirt's virInterfaceLookupByName."""
        raise no_support('virInterfaceLookupByName', self.error_domain)

    def interfaceUndefine(self, iface: Any) -> Any:
        """libvirt's virInterfaceUndefine."""
        raise no_support('virInterfaceUndefine', self.error_domain)


class NWFilterDriver:
    """Operations of the nwfilter family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_NWFILTER

    def connectListAllNWFilterBindings(self, flags: Any) -> Any:
        """libvirt's virConnectListAllNWFilterBindings."""
        raise no_support('virConnectListAllNWFilterBindings', self.error_domain)

    def connectListAllNWFilters(self, flags: Any) -> Any:
        """libvirt's virConnectListAllNWFilters."""
        raise no_support('virConnectListAllNWFilters', self.error_domain)

    def connectListNWFilters(self) -> Any:
        """libvirt's virConnectListNWFilters."""
        raise no_support('virConnectListNWFilters', self.error_domain)

    def connectNumOfNWFilters(self) -> Any:
        """libvirt's virConnectNumOfNWFilters."""
        raise no_support('virConnectNumOfNWFilters', self.error_domain)

    def nwfilterBindingCreateXML(self, xml: Any, flags: Any) -> Any:
        """libvirt's virNWFilterBindingCreateXML."""
        raise no_support('virNWFilterBindingCreateXML', self.error_domain)

    def nwfilterBindingDelete(self, binding: Any) -> Any:
        """libvirt's virNWFilterBindingDelete."""
        raise no_support('virNWFilterBindingDelete', self.error_domain)

    def nwfilterBindingGetXMLDesc(self, binding: Any, flags: Any) -> Any:
        """libvirt's virNWFilterBindingGetXMLDesc."""
        raise no_support('virNWFilterBindingGetXMLDesc', self.error_domain)

    def nwfilterBindingLookupByPortDev(self, portdev: Any) -> Any:
        """libvirt's virNWFilterBindingLookupByPortDev."""
        raise no_support('virNWFilterBindingLookupByPortDev', self.error_domain)

    def nwfilterDefineXML(self, xmlDesc: Any) -> Any:
        """libvirt's virNWFilterDefineXML."""
        raise no_support('virNWFilterDefineXML', self.error_domain)

    def nwfilterDefineXMLFlags(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virNWFilterDefineXMLFlags."""
        raise no_support('virNWFilterDefineXMLFlags', self.error_domain)

    def nwfilterGetXMLDesc(self, nwfilter: Any, flags: Any) -> Any:
        """libvirt's virNWFilterGetXMLDesc."""
        raise no_support('virNWFilterGetXMLDesc', self.error_domain)

    def nwfilterLookupByName(self, name: Any) -> Any:
        """libvirt's virNWFilterLookupByName."""
        raise no_support('virNWFilterLookupByName', self.error_domain)

    def nwfilterLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virNWFilterLookupByUUID."""
        raise no_support('virNWFilterLookupByUUID', self.error_domain)

    def nwfilterLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virNWFilterLookupByUUIDString."""
        raise no_support('virNWFilterLookupByUUIDString', self.error_domain)

    def nwfilterUndefine(self, nwfilter: Any) -> Any:
        """libvirt's virNWFilterUndefine."""
        raise no_support('virNWFilterUndefine', self.error_domain)
