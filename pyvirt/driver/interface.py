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

    error_domain = C.VIR_FROM_DOMAIN

    def connectBaselineCPU(self, xmlCPUs: Any, flags: Any) -> Any:
        """libvirt's virConnectBaselineCPU."""
        raise no_support('virConnectBaselineCPU', C.VIR_FROM_DOMAIN)

    def connectBaselineHypervisorCPU(self, emulator: Any, arch: Any, machine: Any, virttype: Any, xmlCPUs: Any, flags: Any) -> Any:
        """libvirt's virConnectBaselineHypervisorCPU."""
        raise no_support('virConnectBaselineHypervisorCPU', C.VIR_FROM_DOMAIN)

    def connectClose(self) -> Any:
        """libvirt's virConnectClose."""
        raise no_support('virConnectClose', C.VIR_FROM_DOMAIN)

    def connectCompareCPU(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virConnectCompareCPU."""
        raise no_support('virConnectCompareCPU', C.VIR_FROM_DOMAIN)

    def connectCompareHypervisorCPU(self, emulator: Any, arch: Any, machine: Any, virttype: Any, xmlCPU: Any, flags: Any) -> Any:
        """libvirt's virConnectCompareHypervisorCPU."""
        raise no_support('virConnectCompareHypervisorCPU', C.VIR_FROM_DOMAIN)

    def connectDomainEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectDomainEventDeregisterAny."""
        raise no_support('virConnectDomainEventDeregisterAny', C.VIR_FROM_DOMAIN)

    def connectDomainEventRegisterAny(self, dom: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectDomainEventRegisterAny."""
        raise no_support('virConnectDomainEventRegisterAny', C.VIR_FROM_DOMAIN)

    def connectDomainXMLFromNative(self, nativeFormat: Any, nativeConfig: Any, flags: Any) -> Any:
        """libvirt's virConnectDomainXMLFromNative."""
        raise no_support('virConnectDomainXMLFromNative', C.VIR_FROM_DOMAIN)

    def connectDomainXMLToNative(self, nativeFormat: Any, domainXml: Any, flags: Any) -> Any:
        """libvirt's virConnectDomainXMLToNative."""
        raise no_support('virConnectDomainXMLToNative', C.VIR_FROM_DOMAIN)

    def connectGetAllDomainStats(self, stats: Any, flags: Any) -> Any:
        """libvirt's virConnectGetAllDomainStats."""
        raise no_support('virConnectGetAllDomainStats', C.VIR_FROM_DOMAIN)

    def connectGetCPUModelNames(self, arch: Any, flags: Any) -> Any:
        """libvirt's virConnectGetCPUModelNames."""
        raise no_support('virConnectGetCPUModelNames', C.VIR_FROM_DOMAIN)

    def connectGetCapabilities(self) -> Any:
        """libvirt's virConnectGetCapabilities."""
        raise no_support('virConnectGetCapabilities', C.VIR_FROM_DOMAIN)

    def connectGetDomainCapabilities(self, emulatorbin: Any, arch: Any, machine: Any, virttype: Any, flags: Any) -> Any:
        """libvirt's virConnectGetDomainCapabilities."""
        raise no_support('virConnectGetDomainCapabilities', C.VIR_FROM_DOMAIN)

    def connectGetHostname(self) -> Any:
        """libvirt's virConnectGetHostname."""
        raise no_support('virConnectGetHostname', C.VIR_FROM_DOMAIN)

    def connectGetLibVersion(self) -> Any:
        """libvirt's virConnectGetLibVersion."""
        raise no_support('virConnectGetLibVersion', C.VIR_FROM_DOMAIN)

    def connectGetMaxVcpus(self, type: Any) -> Any:
        """libvirt's virConnectGetMaxVcpus."""
        raise no_support('virConnectGetMaxVcpus', C.VIR_FROM_DOMAIN)

    def connectGetSysinfo(self, flags: Any) -> Any:
        """libvirt's virConnectGetSysinfo."""
        raise no_support('virConnectGetSysinfo', C.VIR_FROM_DOMAIN)

    def connectGetType(self) -> Any:
        """libvirt's virConnectGetType."""
        raise no_support('virConnectGetType', C.VIR_FROM_DOMAIN)

    def connectGetURI(self) -> Any:
        """libvirt's virConnectGetURI."""
        raise no_support('virConnectGetURI', C.VIR_FROM_DOMAIN)

    def connectGetVersion(self) -> Any:
        """libvirt's virConnectGetVersion."""
        raise no_support('virConnectGetVersion', C.VIR_FROM_DOMAIN)

    def connectIsAlive(self) -> Any:
        """libvirt's virConnectIsAlive."""
        raise no_support('virConnectIsAlive', C.VIR_FROM_DOMAIN)

    def connectIsEncrypted(self) -> Any:
        """libvirt's virConnectIsEncrypted."""
        raise no_support('virConnectIsEncrypted', C.VIR_FROM_DOMAIN)

    def connectIsSecure(self) -> Any:
        """libvirt's virConnectIsSecure."""
        raise no_support('virConnectIsSecure', C.VIR_FROM_DOMAIN)

    def connectListAllDomains(self, flags: Any) -> Any:
        """libvirt's virConnectListAllDomains."""
        raise no_support('virConnectListAllDomains', C.VIR_FROM_DOMAIN)

    def connectListDefinedDomains(self) -> Any:
        """libvirt's virConnectListDefinedDomains."""
        raise no_support('virConnectListDefinedDomains', C.VIR_FROM_DOMAIN)

    def connectListDomains(self) -> Any:
        """libvirt's virConnectListDomains."""
        raise no_support('virConnectListDomains', C.VIR_FROM_DOMAIN)

    def connectNumOfDefinedDomains(self) -> Any:
        """libvirt's virConnectNumOfDefinedDomains."""
        raise no_support('virConnectNumOfDefinedDomains', C.VIR_FROM_DOMAIN)

    def connectNumOfDomains(self) -> Any:
        """libvirt's virConnectNumOfDomains."""
        raise no_support('virConnectNumOfDomains', C.VIR_FROM_DOMAIN)

    def connectSetIdentity(self, params: Any, flags: Any) -> Any:
        """libvirt's virConnectSetIdentity."""
        raise no_support('virConnectSetIdentity', C.VIR_FROM_DOMAIN)

    def connectSetKeepAlive(self, interval: Any, count: Any) -> Any:
        """libvirt's virConnectSetKeepAlive."""
        raise no_support('virConnectSetKeepAlive', C.VIR_FROM_DOMAIN)

    def connectSupportsFeature(self, feature: Any) -> Any:
        """libvirt's virConnectSupportsFeature."""
        raise no_support('virConnectSupportsFeature', C.VIR_FROM_DOMAIN)

    def domainAbortJob(self, dom: Any) -> Any:
        """libvirt's virDomainAbortJob."""
        raise no_support('virDomainAbortJob', C.VIR_FROM_DOMAIN)

    def domainAbortJobFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainAbortJobFlags."""
        raise no_support('virDomainAbortJobFlags', C.VIR_FROM_DOMAIN)

    def domainAddIOThread(self, dom: Any, iothread_id: Any, flags: Any) -> Any:
        """libvirt's virDomainAddIOThread."""
        raise no_support('virDomainAddIOThread', C.VIR_FROM_DOMAIN)

    def domainAgentSetResponseTimeout(self, dom: Any, timeout: Any, flags: Any) -> Any:
        """libvirt's virDomainAgentSetResponseTimeout."""
        raise no_support('virDomainAgentSetResponseTimeout', C.VIR_FROM_DOMAIN)

    def domainAttachDevice(self, dom: Any, xml: Any) -> Any:
        """libvirt's virDomainAttachDevice."""
        raise no_support('virDomainAttachDevice', C.VIR_FROM_DOMAIN)

    def domainAttachDeviceFlags(self, dom: Any, xml: Any, flags: Any) -> Any:
        """libvirt's virDomainAttachDeviceFlags."""
        raise no_support('virDomainAttachDeviceFlags', C.VIR_FROM_DOMAIN)

    def domainAuthorizedSSHKeysGet(self, dom: Any, user: Any, flags: Any) -> Any:
        """libvirt's virDomainAuthorizedSSHKeysGet."""
        raise no_support('virDomainAuthorizedSSHKeysGet', C.VIR_FROM_DOMAIN)

    def domainAuthorizedSSHKeysSet(self, dom: Any, user: Any, keys: Any, flags: Any) -> Any:
        """libvirt's virDomainAuthorizedSSHKeysSet."""
        raise no_support('virDomainAuthorizedSSHKeysSet', C.VIR_FROM_DOMAIN)

    def domainBackupBegin(self, dom: Any, backupXML: Any, checkpointXML: Any, flags: Any) -> Any:
        """libvirt's virDomainBackupBegin."""
        raise no_support('virDomainBackupBegin', C.VIR_FROM_DOMAIN)

    def domainBackupGetXMLDesc(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainBackupGetXMLDesc."""
        raise no_support('virDomainBackupGetXMLDesc', C.VIR_FROM_DOMAIN)

    def domainBlockCommit(self, dom: Any, disk: Any, base: Any, top: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockCommit."""
        raise no_support('virDomainBlockCommit', C.VIR_FROM_DOMAIN)

    def domainBlockCopy(self, dom: Any, disk: Any, destxml: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockCopy."""
        raise no_support('virDomainBlockCopy', C.VIR_FROM_DOMAIN)

    def domainBlockJobAbort(self, dom: Any, disk: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockJobAbort."""
        raise no_support('virDomainBlockJobAbort', C.VIR_FROM_DOMAIN)

    def domainBlockJobSetSpeed(self, dom: Any, disk: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockJobSetSpeed."""
        raise no_support('virDomainBlockJobSetSpeed', C.VIR_FROM_DOMAIN)

    def domainBlockPeek(self, dom: Any, disk: Any, offset: Any, size: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockPeek."""
        raise no_support('virDomainBlockPeek', C.VIR_FROM_DOMAIN)

    def domainBlockPull(self, dom: Any, disk: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockPull."""
        raise no_support('virDomainBlockPull', C.VIR_FROM_DOMAIN)

    def domainBlockRebase(self, dom: Any, disk: Any, base: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockRebase."""
        raise no_support('virDomainBlockRebase', C.VIR_FROM_DOMAIN)

    def domainBlockResize(self, dom: Any, disk: Any, size: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockResize."""
        raise no_support('virDomainBlockResize', C.VIR_FROM_DOMAIN)

    def domainBlockStats(self, dom: Any, path: Any) -> Any:
        """libvirt's virDomainBlockStats."""
        raise no_support('virDomainBlockStats', C.VIR_FROM_DOMAIN)

    def domainBlockStatsFlags(self, dom: Any, path: Any, flags: Any) -> Any:
        """libvirt's virDomainBlockStatsFlags."""
        raise no_support('virDomainBlockStatsFlags', C.VIR_FROM_DOMAIN)

    def domainCheckpointCreateXML(self, dom: Any, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointCreateXML."""
        raise no_support('virDomainCheckpointCreateXML', C.VIR_FROM_DOMAIN)

    def domainCheckpointDelete(self, checkpoint: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointDelete."""
        raise no_support('virDomainCheckpointDelete', C.VIR_FROM_DOMAIN)

    def domainCheckpointGetParent(self, checkpoint: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointGetParent."""
        raise no_support('virDomainCheckpointGetParent', C.VIR_FROM_DOMAIN)

    def domainCheckpointGetXMLDesc(self, checkpoint: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointGetXMLDesc."""
        raise no_support('virDomainCheckpointGetXMLDesc', C.VIR_FROM_DOMAIN)

    def domainCheckpointListAllChildren(self, checkpoint: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointListAllChildren."""
        raise no_support('virDomainCheckpointListAllChildren', C.VIR_FROM_DOMAIN)

    def domainCheckpointLookupByName(self, dom: Any, name: Any, flags: Any) -> Any:
        """libvirt's virDomainCheckpointLookupByName."""
        raise no_support('virDomainCheckpointLookupByName', C.VIR_FROM_DOMAIN)

    def domainCoreDump(self, dom: Any, to: Any, flags: Any) -> Any:
        """libvirt's virDomainCoreDump."""
        raise no_support('virDomainCoreDump', C.VIR_FROM_DOMAIN)

    def domainCoreDumpWithFormat(self, dom: Any, to: Any, dumpformat: Any, flags: Any) -> Any:
        """libvirt's virDomainCoreDumpWithFormat."""
        raise no_support('virDomainCoreDumpWithFormat', C.VIR_FROM_DOMAIN)

    def domainCreate(self, dom: Any) -> Any:
        """libvirt's virDomainCreate."""
        raise no_support('virDomainCreate', C.VIR_FROM_DOMAIN)

    def domainCreateLinux(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateLinux."""
        raise no_support('virDomainCreateLinux', C.VIR_FROM_DOMAIN)

    def domainCreateWithFiles(self, dom: Any, files: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateWithFiles."""
        raise no_support('virDomainCreateWithFiles', C.VIR_FROM_DOMAIN)

    def domainCreateWithFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateWithFlags."""
        raise no_support('virDomainCreateWithFlags', C.VIR_FROM_DOMAIN)

    def domainCreateXML(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateXML."""
        raise no_support('virDomainCreateXML', C.VIR_FROM_DOMAIN)

    def domainCreateXMLWithFiles(self, xmlDesc: Any, files: Any, flags: Any) -> Any:
        """libvirt's virDomainCreateXMLWithFiles."""
        raise no_support('virDomainCreateXMLWithFiles', C.VIR_FROM_DOMAIN)

    def domainDefineXML(self, xml: Any) -> Any:
        """libvirt's virDomainDefineXML."""
        raise no_support('virDomainDefineXML', C.VIR_FROM_DOMAIN)

    def domainDefineXMLFlags(self, xml: Any, flags: Any) -> Any:
        """libvirt's virDomainDefineXMLFlags."""
        raise no_support('virDomainDefineXMLFlags', C.VIR_FROM_DOMAIN)

    def domainDelIOThread(self, dom: Any, iothread_id: Any, flags: Any) -> Any:
        """libvirt's virDomainDelIOThread."""
        raise no_support('virDomainDelIOThread', C.VIR_FROM_DOMAIN)

    def domainDestroy(self, dom: Any) -> Any:
        """libvirt's virDomainDestroy."""
        raise no_support('virDomainDestroy', C.VIR_FROM_DOMAIN)

    def domainDestroyFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainDestroyFlags."""
        raise no_support('virDomainDestroyFlags', C.VIR_FROM_DOMAIN)

    def domainDetachDevice(self, dom: Any, xml: Any) -> Any:
        """libvirt's virDomainDetachDevice."""
        raise no_support('virDomainDetachDevice', C.VIR_FROM_DOMAIN)

    def domainDetachDeviceAlias(self, dom: Any, alias: Any, flags: Any) -> Any:
        """libvirt's virDomainDetachDeviceAlias."""
        raise no_support('virDomainDetachDeviceAlias', C.VIR_FROM_DOMAIN)

    def domainDetachDeviceFlags(self, dom: Any, xml: Any, flags: Any) -> Any:
        """libvirt's virDomainDetachDeviceFlags."""
        raise no_support('virDomainDetachDeviceFlags', C.VIR_FROM_DOMAIN)

    def domainFDAssociate(self, dom: Any, name: Any, files: Any, flags: Any) -> Any:
        """libvirt's virDomainFDAssociate."""
        raise no_support('virDomainFDAssociate', C.VIR_FROM_DOMAIN)

    def domainFSFreeze(self, dom: Any, mountpoints: Any, flags: Any) -> Any:
        """libvirt's virDomainFSFreeze."""
        raise no_support('virDomainFSFreeze', C.VIR_FROM_DOMAIN)

    def domainFSThaw(self, dom: Any, mountpoints: Any, flags: Any) -> Any:
        """libvirt's virDomainFSThaw."""
        raise no_support('virDomainFSThaw', C.VIR_FROM_DOMAIN)

    def domainFSTrim(self, dom: Any, mountPoint: Any, minimum: Any, flags: Any) -> Any:
        """libvirt's virDomainFSTrim."""
        raise no_support('virDomainFSTrim', C.VIR_FROM_DOMAIN)

    def domainGetAutostart(self, dom: Any) -> Any:
        """libvirt's virDomainGetAutostart."""
        raise no_support('virDomainGetAutostart', C.VIR_FROM_DOMAIN)

    def domainGetBlkioParameters(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetBlkioParameters."""
        raise no_support('virDomainGetBlkioParameters', C.VIR_FROM_DOMAIN)

    def domainGetBlockInfo(self, dom: Any, path: Any, flags: Any) -> Any:
        """libvirt's virDomainGetBlockInfo."""
        raise no_support('virDomainGetBlockInfo', C.VIR_FROM_DOMAIN)

    def domainGetBlockIoTune(self, dom: Any, disk: Any, flags: Any) -> Any:
        """libvirt's virDomainGetBlockIoTune."""
        raise no_support('virDomainGetBlockIoTune', C.VIR_FROM_DOMAIN)

    def domainGetBlockJobInfo(self, dom: Any, path: Any, flags: Any) -> Any:
        """libvirt's virDomainGetBlockJobInfo."""
        raise no_support('virDomainGetBlockJobInfo', C.VIR_FROM_DOMAIN)

    def domainGetCPUStats(self, dom: Any, total: Any, flags: Any) -> Any:
        """libvirt's virDomainGetCPUStats."""
        raise no_support('virDomainGetCPUStats', C.VIR_FROM_DOMAIN)

    def domainGetControlInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetControlInfo."""
        raise no_support('virDomainGetControlInfo', C.VIR_FROM_DOMAIN)

    def domainGetDiskErrors(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetDiskErrors."""
        raise no_support('virDomainGetDiskErrors', C.VIR_FROM_DOMAIN)

    def domainGetEmulatorPinInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetEmulatorPinInfo."""
        raise no_support('virDomainGetEmulatorPinInfo', C.VIR_FROM_DOMAIN)

    def domainGetFSInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetFSInfo."""
        raise no_support('virDomainGetFSInfo', C.VIR_FROM_DOMAIN)

    def domainGetGuestInfo(self, dom: Any, types: Any, flags: Any) -> Any:
        """libvirt's virDomainGetGuestInfo."""
        raise no_support('virDomainGetGuestInfo', C.VIR_FROM_DOMAIN)

    def domainGetGuestVcpus(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetGuestVcpus."""
        raise no_support('virDomainGetGuestVcpus', C.VIR_FROM_DOMAIN)

    def domainGetHostname(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetHostname."""
        raise no_support('virDomainGetHostname', C.VIR_FROM_DOMAIN)

    def domainGetIOThreadInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetIOThreadInfo."""
        raise no_support('virDomainGetIOThreadInfo', C.VIR_FROM_DOMAIN)

    def domainGetInfo(self, dom: Any) -> Any:
        """libvirt's virDomainGetInfo."""
        raise no_support('virDomainGetInfo', C.VIR_FROM_DOMAIN)

    def domainGetInterfaceParameters(self, dom: Any, device: Any, flags: Any) -> Any:
        """libvirt's virDomainGetInterfaceParameters."""
        raise no_support('virDomainGetInterfaceParameters', C.VIR_FROM_DOMAIN)

    def domainGetJobInfo(self, dom: Any) -> Any:
        """libvirt's virDomainGetJobInfo."""
        raise no_support('virDomainGetJobInfo', C.VIR_FROM_DOMAIN)

    def domainGetJobStats(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetJobStats."""
        raise no_support('virDomainGetJobStats', C.VIR_FROM_DOMAIN)

    def domainGetLaunchSecurityInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetLaunchSecurityInfo."""
        raise no_support('virDomainGetLaunchSecurityInfo', C.VIR_FROM_DOMAIN)

    def domainGetMaxMemory(self, dom: Any) -> Any:
        """libvirt's virDomainGetMaxMemory."""
        raise no_support('virDomainGetMaxMemory', C.VIR_FROM_DOMAIN)

    def domainGetMaxVcpus(self, dom: Any) -> Any:
        """libvirt's virDomainGetMaxVcpus."""
        raise no_support('virDomainGetMaxVcpus', C.VIR_FROM_DOMAIN)

    def domainGetMemoryParameters(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetMemoryParameters."""
        raise no_support('virDomainGetMemoryParameters', C.VIR_FROM_DOMAIN)

    def domainGetMessages(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetMessages."""
        raise no_support('virDomainGetMessages', C.VIR_FROM_DOMAIN)

    def domainGetMetadata(self, dom: Any, type: Any, uri: Any, flags: Any) -> Any:
        """libvirt's virDomainGetMetadata."""
        raise no_support('virDomainGetMetadata', C.VIR_FROM_DOMAIN)

    def domainGetNumaParameters(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetNumaParameters."""
        raise no_support('virDomainGetNumaParameters', C.VIR_FROM_DOMAIN)

    def domainGetOSType(self, dom: Any) -> Any:
        """libvirt's virDomainGetOSType."""
        raise no_support('virDomainGetOSType', C.VIR_FROM_DOMAIN)

    def domainGetPerfEvents(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetPerfEvents."""
        raise no_support('virDomainGetPerfEvents', C.VIR_FROM_DOMAIN)

    def domainGetSchedulerParameters(self, dom: Any) -> Any:
        """libvirt's virDomainGetSchedulerParameters."""
        raise no_support('virDomainGetSchedulerParameters', C.VIR_FROM_DOMAIN)

    def domainGetSchedulerParametersFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetSchedulerParametersFlags."""
        raise no_support('virDomainGetSchedulerParametersFlags', C.VIR_FROM_DOMAIN)

    def domainGetSchedulerType(self, dom: Any) -> Any:
        """libvirt's virDomainGetSchedulerType."""
        raise no_support('virDomainGetSchedulerType', C.VIR_FROM_DOMAIN)

    def domainGetSecurityLabel(self, dom: Any) -> Any:
        """libvirt's virDomainGetSecurityLabel."""
        raise no_support('virDomainGetSecurityLabel', C.VIR_FROM_DOMAIN)

    def domainGetSecurityLabelList(self, dom: Any) -> Any:
        """libvirt's virDomainGetSecurityLabelList."""
        raise no_support('virDomainGetSecurityLabelList', C.VIR_FROM_DOMAIN)

    def domainGetState(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetState."""
        raise no_support('virDomainGetState', C.VIR_FROM_DOMAIN)

    def domainGetTime(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetTime."""
        raise no_support('virDomainGetTime', C.VIR_FROM_DOMAIN)

    def domainGetVcpuPinInfo(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetVcpuPinInfo."""
        raise no_support('virDomainGetVcpuPinInfo', C.VIR_FROM_DOMAIN)

    def domainGetVcpus(self, dom: Any) -> Any:
        """libvirt's virDomainGetVcpus."""
        raise no_support('virDomainGetVcpus', C.VIR_FROM_DOMAIN)

    def domainGetVcpusFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetVcpusFlags."""
        raise no_support('virDomainGetVcpusFlags', C.VIR_FROM_DOMAIN)

    def domainGetXMLDesc(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainGetXMLDesc."""
        raise no_support('virDomainGetXMLDesc', C.VIR_FROM_DOMAIN)

    def domainHasCurrentSnapshot(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainHasCurrentSnapshot."""
        raise no_support('virDomainHasCurrentSnapshot', C.VIR_FROM_DOMAIN)

    def domainHasManagedSaveImage(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainHasManagedSaveImage."""
        raise no_support('virDomainHasManagedSaveImage', C.VIR_FROM_DOMAIN)

    def domainInjectNMI(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainInjectNMI."""
        raise no_support('virDomainInjectNMI', C.VIR_FROM_DOMAIN)

    def domainInterfaceAddresses(self, dom: Any, source: Any, flags: Any) -> Any:
        """libvirt's virDomainInterfaceAddresses."""
        raise no_support('virDomainInterfaceAddresses', C.VIR_FROM_DOMAIN)

    def domainInterfaceStats(self, dom: Any, path: Any) -> Any:
        """libvirt's virDomainInterfaceStats."""
        raise no_support('virDomainInterfaceStats', C.VIR_FROM_DOMAIN)

    def domainIsActive(self, dom: Any) -> Any:
        """libvirt's virDomainIsActive."""
        raise no_support('virDomainIsActive', C.VIR_FROM_DOMAIN)

    def domainIsPersistent(self, dom: Any) -> Any:
        """libvirt's virDomainIsPersistent."""
        raise no_support('virDomainIsPersistent', C.VIR_FROM_DOMAIN)

    def domainIsUpdated(self, dom: Any) -> Any:
        """libvirt's virDomainIsUpdated."""
        raise no_support('virDomainIsUpdated', C.VIR_FROM_DOMAIN)

    def domainListAllCheckpoints(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainListAllCheckpoints."""
        raise no_support('virDomainListAllCheckpoints', C.VIR_FROM_DOMAIN)

    def domainListAllSnapshots(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainListAllSnapshots."""
        raise no_support('virDomainListAllSnapshots', C.VIR_FROM_DOMAIN)

    def domainListGetStats(self, doms: Any, stats: Any, flags: Any) -> Any:
        """libvirt's virDomainListGetStats."""
        raise no_support('virDomainListGetStats', C.VIR_FROM_DOMAIN)

    def domainLookupByID(self, id: Any) -> Any:
        """libvirt's virDomainLookupByID."""
        raise no_support('virDomainLookupByID', C.VIR_FROM_DOMAIN)

    def domainLookupByName(self, name: Any) -> Any:
        """libvirt's virDomainLookupByName."""
        raise no_support('virDomainLookupByName', C.VIR_FROM_DOMAIN)

    def domainLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virDomainLookupByUUID."""
        raise no_support('virDomainLookupByUUID', C.VIR_FROM_DOMAIN)

    def domainLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virDomainLookupByUUIDString."""
        raise no_support('virDomainLookupByUUIDString', C.VIR_FROM_DOMAIN)

    def domainManagedSave(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainManagedSave."""
        raise no_support('virDomainManagedSave', C.VIR_FROM_DOMAIN)

    def domainManagedSaveDefineXML(self, dom: Any, dxml: Any, flags: Any) -> Any:
        """libvirt's virDomainManagedSaveDefineXML."""
        raise no_support('virDomainManagedSaveDefineXML', C.VIR_FROM_DOMAIN)

    def domainManagedSaveGetXMLDesc(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainManagedSaveGetXMLDesc."""
        raise no_support('virDomainManagedSaveGetXMLDesc', C.VIR_FROM_DOMAIN)

    def domainManagedSaveRemove(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainManagedSaveRemove."""
        raise no_support('virDomainManagedSaveRemove', C.VIR_FROM_DOMAIN)

    def domainMemoryPeek(self, dom: Any, start: Any, size: Any, flags: Any) -> Any:
        """libvirt's virDomainMemoryPeek."""
        raise no_support('virDomainMemoryPeek', C.VIR_FROM_DOMAIN)

    def domainMemoryStats(self, dom: Any) -> Any:
        """libvirt's virDomainMemoryStats."""
        raise no_support('virDomainMemoryStats', C.VIR_FROM_DOMAIN)

    def domainMigrate(self, dom: Any, dconn: Any, flags: Any, dname: Any, uri: Any, bandwidth: Any) -> Any:
        """libvirt's virDomainMigrate."""
        raise no_support('virDomainMigrate', C.VIR_FROM_DOMAIN)

    def domainMigrate2(self, dom: Any, dconn: Any, dxml: Any, flags: Any, dname: Any, uri: Any, bandwidth: Any) -> Any:
        """libvirt's virDomainMigrate2."""
        raise no_support('virDomainMigrate2', C.VIR_FROM_DOMAIN)

    def domainMigrate3(self, dom: Any, dconn: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrate3."""
        raise no_support('virDomainMigrate3', C.VIR_FROM_DOMAIN)

    def domainMigrateGetCompressionCache(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateGetCompressionCache."""
        raise no_support('virDomainMigrateGetCompressionCache', C.VIR_FROM_DOMAIN)

    def domainMigrateGetMaxDowntime(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateGetMaxDowntime."""
        raise no_support('virDomainMigrateGetMaxDowntime', C.VIR_FROM_DOMAIN)

    def domainMigrateGetMaxSpeed(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateGetMaxSpeed."""
        raise no_support('virDomainMigrateGetMaxSpeed', C.VIR_FROM_DOMAIN)

    def domainMigrateSetCompressionCache(self, dom: Any, cacheSize: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateSetCompressionCache."""
        raise no_support('virDomainMigrateSetCompressionCache', C.VIR_FROM_DOMAIN)

    def domainMigrateSetMaxDowntime(self, dom: Any, downtime: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateSetMaxDowntime."""
        raise no_support('virDomainMigrateSetMaxDowntime', C.VIR_FROM_DOMAIN)

    def domainMigrateSetMaxSpeed(self, dom: Any, bandwidth: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateSetMaxSpeed."""
        raise no_support('virDomainMigrateSetMaxSpeed', C.VIR_FROM_DOMAIN)

    def domainMigrateStartPostCopy(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateStartPostCopy."""
        raise no_support('virDomainMigrateStartPostCopy', C.VIR_FROM_DOMAIN)

    def domainMigrateToURI(self, dom: Any, duri: Any, flags: Any, dname: Any, bandwidth: Any) -> Any:
        """libvirt's virDomainMigrateToURI."""
        raise no_support('virDomainMigrateToURI', C.VIR_FROM_DOMAIN)

    def domainMigrateToURI2(self, dom: Any, dconnuri: Any, miguri: Any, dxml: Any, flags: Any, dname: Any, bandwidth: Any) -> Any:
        """libvirt's virDomainMigrateToURI2."""
        raise no_support('virDomainMigrateToURI2', C.VIR_FROM_DOMAIN)

    def domainMigrateToURI3(self, dom: Any, dconnuri: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainMigrateToURI3."""
        raise no_support('virDomainMigrateToURI3', C.VIR_FROM_DOMAIN)

    def domainOpenChannel(self, dom: Any, name: Any, st: Any, flags: Any) -> Any:
        """libvirt's virDomainOpenChannel."""
        raise no_support('virDomainOpenChannel', C.VIR_FROM_DOMAIN)

    def domainOpenConsole(self, dom: Any, dev_name: Any, st: Any, flags: Any) -> Any:
        """libvirt's virDomainOpenConsole."""
        raise no_support('virDomainOpenConsole', C.VIR_FROM_DOMAIN)

    def domainOpenGraphics(self, dom: Any, idx: Any, fd: Any, flags: Any) -> Any:
        """libvirt's virDomainOpenGraphics."""
        raise no_support('virDomainOpenGraphics', C.VIR_FROM_DOMAIN)

    def domainOpenGraphicsFD(self, dom: Any, idx: Any, flags: Any) -> Any:
        """libvirt's virDomainOpenGraphicsFD."""
        raise no_support('virDomainOpenGraphicsFD', C.VIR_FROM_DOMAIN)

    def domainPMSuspendForDuration(self, dom: Any, target: Any, duration: Any, flags: Any) -> Any:
        """libvirt's virDomainPMSuspendForDuration."""
        raise no_support('virDomainPMSuspendForDuration', C.VIR_FROM_DOMAIN)

    def domainPMWakeup(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainPMWakeup."""
        raise no_support('virDomainPMWakeup', C.VIR_FROM_DOMAIN)

    def domainPinEmulator(self, dom: Any, cpumap: Any, flags: Any) -> Any:
        """libvirt's virDomainPinEmulator."""
        raise no_support('virDomainPinEmulator', C.VIR_FROM_DOMAIN)

    def domainPinIOThread(self, dom: Any, iothread_val: Any, cpumap: Any, flags: Any) -> Any:
        """libvirt's virDomainPinIOThread."""
        raise no_support('virDomainPinIOThread', C.VIR_FROM_DOMAIN)

    def domainPinVcpu(self, dom: Any, vcpu: Any, cpumap: Any) -> Any:
        """libvirt's virDomainPinVcpu."""
        raise no_support('virDomainPinVcpu', C.VIR_FROM_DOMAIN)

    def domainPinVcpuFlags(self, dom: Any, vcpu: Any, cpumap: Any, flags: Any) -> Any:
        """libvirt's virDomainPinVcpuFlags."""
        raise no_support('virDomainPinVcpuFlags', C.VIR_FROM_DOMAIN)

    def domainReboot(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainReboot."""
        raise no_support('virDomainReboot', C.VIR_FROM_DOMAIN)

    def domainRename(self, dom: Any, new_name: Any, flags: Any) -> Any:
        """libvirt's virDomainRename."""
        raise no_support('virDomainRename', C.VIR_FROM_DOMAIN)

    def domainReset(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainReset."""
        raise no_support('virDomainReset', C.VIR_FROM_DOMAIN)

    def domainRestore(self, frm: Any) -> Any:
        """libvirt's virDomainRestore."""
        raise no_support('virDomainRestore', C.VIR_FROM_DOMAIN)

    def domainRestoreFlags(self, frm: Any, dxml: Any, flags: Any) -> Any:
        """libvirt's virDomainRestoreFlags."""
        raise no_support('virDomainRestoreFlags', C.VIR_FROM_DOMAIN)

    def domainRestoreParams(self, params: Any, flags: Any) -> Any:
        """libvirt's virDomainRestoreParams."""
        raise no_support('virDomainRestoreParams', C.VIR_FROM_DOMAIN)

    def domainResume(self, dom: Any) -> Any:
        """libvirt's virDomainResume."""
        raise no_support('virDomainResume', C.VIR_FROM_DOMAIN)

    def domainRevertToSnapshot(self, dom: Any, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainRevertToSnapshot."""
        raise no_support('virDomainRevertToSnapshot', C.VIR_FROM_DOMAIN)

    def domainSave(self, dom: Any, to: Any) -> Any:
        """libvirt's virDomainSave."""
        raise no_support('virDomainSave', C.VIR_FROM_DOMAIN)

    def domainSaveFlags(self, dom: Any, to: Any, dxml: Any, flags: Any) -> Any:
        """libvirt's virDomainSaveFlags."""
        raise no_support('virDomainSaveFlags', C.VIR_FROM_DOMAIN)

    def domainSaveImageDefineXML(self, file: Any, dxml: Any, flags: Any) -> Any:
        """libvirt's virDomainSaveImageDefineXML."""
        raise no_support('virDomainSaveImageDefineXML', C.VIR_FROM_DOMAIN)

    def domainSaveImageGetXMLDesc(self, file: Any, flags: Any) -> Any:
        """libvirt's virDomainSaveImageGetXMLDesc."""
        raise no_support('virDomainSaveImageGetXMLDesc', C.VIR_FROM_DOMAIN)

    def domainSaveParams(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSaveParams."""
        raise no_support('virDomainSaveParams', C.VIR_FROM_DOMAIN)

    def domainScreenshot(self, dom: Any, stream: Any, screen: Any, flags: Any) -> Any:
        """libvirt's virDomainScreenshot."""
        raise no_support('virDomainScreenshot', C.VIR_FROM_DOMAIN)

    def domainSendKey(self, dom: Any, codeset: Any, holdtime: Any, keycodes: Any, nkeycodes: Any, flags: Any) -> Any:
        """libvirt's virDomainSendKey."""
        raise no_support('virDomainSendKey', C.VIR_FROM_DOMAIN)

    def domainSendProcessSignal(self, dom: Any, pid_value: Any, signum: Any, flags: Any) -> Any:
        """libvirt's virDomainSendProcessSignal."""
        raise no_support('virDomainSendProcessSignal', C.VIR_FROM_DOMAIN)

    def domainSetAutostart(self, dom: Any, autostart: Any) -> Any:
        """libvirt's virDomainSetAutostart."""
        raise no_support('virDomainSetAutostart', C.VIR_FROM_DOMAIN)

    def domainSetBlkioParameters(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetBlkioParameters."""
        raise no_support('virDomainSetBlkioParameters', C.VIR_FROM_DOMAIN)

    def domainSetBlockIoTune(self, dom: Any, disk: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetBlockIoTune."""
        raise no_support('virDomainSetBlockIoTune', C.VIR_FROM_DOMAIN)

    def domainSetBlockThreshold(self, dom: Any, dev: Any, threshold: Any, flags: Any) -> Any:
        """libvirt's virDomainSetBlockThreshold."""
        raise no_support('virDomainSetBlockThreshold', C.VIR_FROM_DOMAIN)

    def domainSetGuestVcpus(self, dom: Any, cpumap: Any, state: Any, flags: Any) -> Any:
        """libvirt's virDomainSetGuestVcpus."""
        raise no_support('virDomainSetGuestVcpus', C.VIR_FROM_DOMAIN)

    def domainSetIOThreadParams(self, dom: Any, iothread_val: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetIOThreadParams."""
        raise no_support('virDomainSetIOThreadParams', C.VIR_FROM_DOMAIN)

    def domainSetInterfaceParameters(self, dom: Any, device: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetInterfaceParameters."""
        raise no_support('virDomainSetInterfaceParameters', C.VIR_FROM_DOMAIN)

    def domainSetLaunchSecurityState(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetLaunchSecurityState."""
        raise no_support('virDomainSetLaunchSecurityState', C.VIR_FROM_DOMAIN)

    def domainSetLifecycleAction(self, dom: Any, type: Any, action: Any, flags: Any) -> Any:
        """libvirt's virDomainSetLifecycleAction."""
        raise no_support('virDomainSetLifecycleAction', C.VIR_FROM_DOMAIN)

    def domainSetMaxMemory(self, dom: Any, memory: Any) -> Any:
        """libvirt's virDomainSetMaxMemory."""
        raise no_support('virDomainSetMaxMemory', C.VIR_FROM_DOMAIN)

    def domainSetMemory(self, dom: Any, memory: Any) -> Any:
        """libvirt's virDomainSetMemory."""
        raise no_support('virDomainSetMemory', C.VIR_FROM_DOMAIN)

    def domainSetMemoryFlags(self, dom: Any, memory: Any, flags: Any) -> Any:
        """libvirt's virDomainSetMemoryFlags."""
        raise no_support('virDomainSetMemoryFlags', C.VIR_FROM_DOMAIN)

    def domainSetMemoryParameters(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetMemoryParameters."""
        raise no_support('virDomainSetMemoryParameters', C.VIR_FROM_DOMAIN)

    def domainSetMemoryStatsPeriod(self, dom: Any, period: Any, flags: Any) -> Any:
        """libvirt's virDomainSetMemoryStatsPeriod."""
        raise no_support('virDomainSetMemoryStatsPeriod', C.VIR_FROM_DOMAIN)

    def domainSetMetadata(self, dom: Any, type: Any, metadata: Any, key: Any, uri: Any, flags: Any) -> Any:
        """libvirt's virDomainSetMetadata."""
        raise no_support('virDomainSetMetadata', C.VIR_FROM_DOMAIN)

    def domainSetNumaParameters(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetNumaParameters."""
        raise no_support('virDomainSetNumaParameters', C.VIR_FROM_DOMAIN)

    def domainSetPerfEvents(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetPerfEvents."""
        raise no_support('virDomainSetPerfEvents', C.VIR_FROM_DOMAIN)

    def domainSetSchedulerParameters(self, dom: Any, params: Any) -> Any:
        """libvirt's virDomainSetSchedulerParameters."""
        raise no_support('virDomainSetSchedulerParameters', C.VIR_FROM_DOMAIN)

    def domainSetSchedulerParametersFlags(self, dom: Any, params: Any, flags: Any) -> Any:
        """libvirt's virDomainSetSchedulerParametersFlags."""
        raise no_support('virDomainSetSchedulerParametersFlags', C.VIR_FROM_DOMAIN)

    def domainSetTime(self, dom: Any, time: Any, flags: Any) -> Any:
        """libvirt's virDomainSetTime."""
        raise no_support('virDomainSetTime', C.VIR_FROM_DOMAIN)

    def domainSetUserPassword(self, dom: Any, user: Any, password: Any, flags: Any) -> Any:
        """libvirt's virDomainSetUserPassword."""
        raise no_support('virDomainSetUserPassword', C.VIR_FROM_DOMAIN)

    def domainSetVcpu(self, dom: Any, vcpumap: Any, state: Any, flags: Any) -> Any:
        """libvirt's virDomainSetVcpu."""
        raise no_support('virDomainSetVcpu', C.VIR_FROM_DOMAIN)

    def domainSetVcpus(self, dom: Any, nvcpus: Any) -> Any:
        """libvirt's virDomainSetVcpus."""
        raise no_support('virDomainSetVcpus', C.VIR_FROM_DOMAIN)

    def domainSetVcpusFlags(self, dom: Any, nvcpus: Any, flags: Any) -> Any:
        """libvirt's virDomainSetVcpusFlags."""
        raise no_support('virDomainSetVcpusFlags', C.VIR_FROM_DOMAIN)

    def domainShutdown(self, dom: Any) -> Any:
        """libvirt's virDomainShutdown."""
        raise no_support('virDomainShutdown', C.VIR_FROM_DOMAIN)

    def domainShutdownFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainShutdownFlags."""
        raise no_support('virDomainShutdownFlags', C.VIR_FROM_DOMAIN)

    def domainSnapshotCreateXML(self, dom: Any, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotCreateXML."""
        raise no_support('virDomainSnapshotCreateXML', C.VIR_FROM_DOMAIN)

    def domainSnapshotCurrent(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotCurrent."""
        raise no_support('virDomainSnapshotCurrent', C.VIR_FROM_DOMAIN)

    def domainSnapshotDelete(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotDelete."""
        raise no_support('virDomainSnapshotDelete', C.VIR_FROM_DOMAIN)

    def domainSnapshotGetParent(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotGetParent."""
        raise no_support('virDomainSnapshotGetParent', C.VIR_FROM_DOMAIN)

    def domainSnapshotGetXMLDesc(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotGetXMLDesc."""
        raise no_support('virDomainSnapshotGetXMLDesc', C.VIR_FROM_DOMAIN)

    def domainSnapshotHasMetadata(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotHasMetadata."""
        raise no_support('virDomainSnapshotHasMetadata', C.VIR_FROM_DOMAIN)

    def domainSnapshotIsCurrent(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotIsCurrent."""
        raise no_support('virDomainSnapshotIsCurrent', C.VIR_FROM_DOMAIN)

    def domainSnapshotListAllChildren(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotListAllChildren."""
        raise no_support('virDomainSnapshotListAllChildren', C.VIR_FROM_DOMAIN)

    def domainSnapshotListChildrenNames(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotListChildrenNames."""
        raise no_support('virDomainSnapshotListChildrenNames', C.VIR_FROM_DOMAIN)

    def domainSnapshotListNames(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotListNames."""
        raise no_support('virDomainSnapshotListNames', C.VIR_FROM_DOMAIN)

    def domainSnapshotLookupByName(self, dom: Any, name: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotLookupByName."""
        raise no_support('virDomainSnapshotLookupByName', C.VIR_FROM_DOMAIN)

    def domainSnapshotNum(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotNum."""
        raise no_support('virDomainSnapshotNum', C.VIR_FROM_DOMAIN)

    def domainSnapshotNumChildren(self, snap: Any, flags: Any) -> Any:
        """libvirt's virDomainSnapshotNumChildren."""
        raise no_support('virDomainSnapshotNumChildren', C.VIR_FROM_DOMAIN)

    def domainStartDirtyRateCalc(self, dom: Any, seconds: Any, flags: Any) -> Any:
        """libvirt's virDomainStartDirtyRateCalc."""
        raise no_support('virDomainStartDirtyRateCalc', C.VIR_FROM_DOMAIN)

    def domainSuspend(self, dom: Any) -> Any:
        """libvirt's virDomainSuspend."""
        raise no_support('virDomainSuspend', C.VIR_FROM_DOMAIN)

    def domainUndefine(self, dom: Any) -> Any:
        """libvirt's virDomainUndefine."""
        raise no_support('virDomainUndefine', C.VIR_FROM_DOMAIN)

    def domainUndefineFlags(self, dom: Any, flags: Any) -> Any:
        """libvirt's virDomainUndefineFlags."""
        raise no_support('virDomainUndefineFlags', C.VIR_FROM_DOMAIN)

    def domainUpdateDeviceFlags(self, dom: Any, xml: Any, flags: Any) -> Any:
        """libvirt's virDomainUpdateDeviceFlags."""
        raise no_support('virDomainUpdateDeviceFlags', C.VIR_FROM_DOMAIN)

    def nodeAllocPages(self, pages: Any, startCell: Any, cellCount: Any, flags: Any) -> Any:
        """libvirt's virNodeAllocPages."""
        raise no_support('virNodeAllocPages', C.VIR_FROM_DOMAIN)

    def nodeGetCPUMap(self, flags: Any) -> Any:
        """libvirt's virNodeGetCPUMap."""
        raise no_support('virNodeGetCPUMap', C.VIR_FROM_DOMAIN)

    def nodeGetCPUStats(self, cpuNum: Any, flags: Any) -> Any:
        """libvirt's virNodeGetCPUStats."""
        raise no_support('virNodeGetCPUStats', C.VIR_FROM_DOMAIN)

    def nodeGetCellsFreeMemory(self, startCell: Any, maxCells: Any) -> Any:
        """libvirt's virNodeGetCellsFreeMemory."""
        raise no_support('virNodeGetCellsFreeMemory', C.VIR_FROM_DOMAIN)

    def nodeGetFreeMemory(self) -> Any:
        """libvirt's virNodeGetFreeMemory."""
        raise no_support('virNodeGetFreeMemory', C.VIR_FROM_DOMAIN)

    def nodeGetFreePages(self, pages: Any, startCell: Any, maxCells: Any, flags: Any) -> Any:
        """libvirt's virNodeGetFreePages."""
        raise no_support('virNodeGetFreePages', C.VIR_FROM_DOMAIN)

    def nodeGetInfo(self) -> Any:
        """libvirt's virNodeGetInfo."""
        raise no_support('virNodeGetInfo', C.VIR_FROM_DOMAIN)

    def nodeGetMemoryParameters(self, flags: Any) -> Any:
        """libvirt's virNodeGetMemoryParameters."""
        raise no_support('virNodeGetMemoryParameters', C.VIR_FROM_DOMAIN)

    def nodeGetMemoryStats(self, cellNum: Any, flags: Any) -> Any:
        """libvirt's virNodeGetMemoryStats."""
        raise no_support('virNodeGetMemoryStats', C.VIR_FROM_DOMAIN)

    def nodeGetSEVInfo(self, flags: Any) -> Any:
        """libvirt's virNodeGetSEVInfo."""
        raise no_support('virNodeGetSEVInfo', C.VIR_FROM_DOMAIN)

    def nodeGetSecurityModel(self) -> Any:
        """libvirt's virNodeGetSecurityModel."""
        raise no_support('virNodeGetSecurityModel', C.VIR_FROM_DOMAIN)

    def nodeSetMemoryParameters(self, params: Any, flags: Any) -> Any:
        """libvirt's virNodeSetMemoryParameters."""
        raise no_support('virNodeSetMemoryParameters', C.VIR_FROM_DOMAIN)

    def nodeSuspendForDuration(self, target: Any, duration: Any, flags: Any) -> Any:
        """libvirt's virNodeSuspendForDuration."""
        raise no_support('virNodeSuspendForDuration', C.VIR_FROM_DOMAIN)


class NetworkDriver:
    """Operations of the network family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_NETWORK

    def connectListAllNetworks(self, flags: Any) -> Any:
        """libvirt's virConnectListAllNetworks."""
        raise no_support('virConnectListAllNetworks', C.VIR_FROM_NETWORK)

    def connectListDefinedNetworks(self) -> Any:
        """libvirt's virConnectListDefinedNetworks."""
        raise no_support('virConnectListDefinedNetworks', C.VIR_FROM_NETWORK)

    def connectListNetworks(self) -> Any:
        """libvirt's virConnectListNetworks."""
        raise no_support('virConnectListNetworks', C.VIR_FROM_NETWORK)

    def connectNetworkEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectNetworkEventDeregisterAny."""
        raise no_support('virConnectNetworkEventDeregisterAny', C.VIR_FROM_NETWORK)

    def connectNetworkEventRegisterAny(self, net: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectNetworkEventRegisterAny."""
        raise no_support('virConnectNetworkEventRegisterAny', C.VIR_FROM_NETWORK)

    def connectNumOfDefinedNetworks(self) -> Any:
        """libvirt's virConnectNumOfDefinedNetworks."""
        raise no_support('virConnectNumOfDefinedNetworks', C.VIR_FROM_NETWORK)

    def connectNumOfNetworks(self) -> Any:
        """libvirt's virConnectNumOfNetworks."""
        raise no_support('virConnectNumOfNetworks', C.VIR_FROM_NETWORK)

    def networkCreate(self, net: Any) -> Any:
        """libvirt's virNetworkCreate."""
        raise no_support('virNetworkCreate', C.VIR_FROM_NETWORK)

    def networkCreateXML(self, xmlDesc: Any) -> Any:
        """libvirt's virNetworkCreateXML."""
        raise no_support('virNetworkCreateXML', C.VIR_FROM_NETWORK)

    def networkCreateXMLFlags(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virNetworkCreateXMLFlags."""
        raise no_support('virNetworkCreateXMLFlags', C.VIR_FROM_NETWORK)

    def networkDefineXML(self, xml: Any) -> Any:
        """libvirt's virNetworkDefineXML."""
        raise no_support('virNetworkDefineXML', C.VIR_FROM_NETWORK)

    def networkDefineXMLFlags(self, xml: Any, flags: Any) -> Any:
        """libvirt's virNetworkDefineXMLFlags."""
        raise no_support('virNetworkDefineXMLFlags', C.VIR_FROM_NETWORK)

    def networkDestroy(self, net: Any) -> Any:
        """libvirt's virNetworkDestroy."""
        raise no_support('virNetworkDestroy', C.VIR_FROM_NETWORK)

    def networkGetAutostart(self, net: Any) -> Any:
        """libvirt's virNetworkGetAutostart."""
        raise no_support('virNetworkGetAutostart', C.VIR_FROM_NETWORK)

    def networkGetBridgeName(self, net: Any) -> Any:
        """libvirt's virNetworkGetBridgeName."""
        raise no_support('virNetworkGetBridgeName', C.VIR_FROM_NETWORK)

    def networkGetDHCPLeases(self, net: Any, mac: Any, flags: Any) -> Any:
        """libvirt's virNetworkGetDHCPLeases."""
        raise no_support('virNetworkGetDHCPLeases', C.VIR_FROM_NETWORK)

    def networkGetXMLDesc(self, net: Any, flags: Any) -> Any:
        """libvirt's virNetworkGetXMLDesc."""
        raise no_support('virNetworkGetXMLDesc', C.VIR_FROM_NETWORK)

    def networkIsActive(self, net: Any) -> Any:
        """libvirt's virNetworkIsActive."""
        raise no_support('virNetworkIsActive', C.VIR_FROM_NETWORK)

    def networkIsPersistent(self, net: Any) -> Any:
        """libvirt's virNetworkIsPersistent."""
        raise no_support('virNetworkIsPersistent', C.VIR_FROM_NETWORK)

    def networkListAllPorts(self, net: Any, flags: Any) -> Any:
        """libvirt's virNetworkListAllPorts."""
        raise no_support('virNetworkListAllPorts', C.VIR_FROM_NETWORK)

    def networkLookupByName(self, name: Any) -> Any:
        """libvirt's virNetworkLookupByName."""
        raise no_support('virNetworkLookupByName', C.VIR_FROM_NETWORK)

    def networkLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virNetworkLookupByUUID."""
        raise no_support('virNetworkLookupByUUID', C.VIR_FROM_NETWORK)

    def networkLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virNetworkLookupByUUIDString."""
        raise no_support('virNetworkLookupByUUIDString', C.VIR_FROM_NETWORK)

    def networkPortCreateXML(self, net: Any, xmldesc: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortCreateXML."""
        raise no_support('virNetworkPortCreateXML', C.VIR_FROM_NETWORK)

    def networkPortDelete(self, port: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortDelete."""
        raise no_support('virNetworkPortDelete', C.VIR_FROM_NETWORK)

    def networkPortGetParameters(self, port: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortGetParameters."""
        raise no_support('virNetworkPortGetParameters', C.VIR_FROM_NETWORK)

    def networkPortGetXMLDesc(self, port: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortGetXMLDesc."""
        raise no_support('virNetworkPortGetXMLDesc', C.VIR_FROM_NETWORK)

    def networkPortLookupByUUID(self, net: Any, uuid: Any) -> Any:
        """libvirt's virNetworkPortLookupByUUID."""
        raise no_support('virNetworkPortLookupByUUID', C.VIR_FROM_NETWORK)

    def networkPortLookupByUUIDString(self, net: Any, uuidstr: Any) -> Any:
        """libvirt's virNetworkPortLookupByUUIDString."""
        raise no_support('virNetworkPortLookupByUUIDString', C.VIR_FROM_NETWORK)

    def networkPortSetParameters(self, port: Any, params: Any, flags: Any) -> Any:
        """libvirt's virNetworkPortSetParameters."""
        raise no_support('virNetworkPortSetParameters', C.VIR_FROM_NETWORK)

    def networkSetAutostart(self, net: Any, autostart: Any) -> Any:
        """libvirt's virNetworkSetAutostart."""
        raise no_support('virNetworkSetAutostart', C.VIR_FROM_NETWORK)

    def networkUndefine(self, net: Any) -> Any:
        """libvirt's virNetworkUndefine."""
        raise no_support('virNetworkUndefine', C.VIR_FROM_NETWORK)

    def networkUpdate(self, net: Any, command: Any, section: Any, parentIndex: Any, xml: Any, flags: Any) -> Any:
        """libvirt's virNetworkUpdate."""
        raise no_support('virNetworkUpdate', C.VIR_FROM_NETWORK)


class StorageDriver:
    """Operations of the storage family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_STORAGE

    def connectFindStoragePoolSources(self, type: Any, srcSpec: Any, flags: Any) -> Any:
        """libvirt's virConnectFindStoragePoolSources."""
        raise no_support('virConnectFindStoragePoolSources', C.VIR_FROM_STORAGE)

    def connectGetStoragePoolCapabilities(self, flags: Any) -> Any:
        """libvirt's virConnectGetStoragePoolCapabilities."""
        raise no_support('virConnectGetStoragePoolCapabilities', C.VIR_FROM_STORAGE)

    def connectListAllStoragePools(self, flags: Any) -> Any:
        """libvirt's virConnectListAllStoragePools."""
        raise no_support('virConnectListAllStoragePools', C.VIR_FROM_STORAGE)

    def connectListDefinedStoragePools(self) -> Any:
        """libvirt's virConnectListDefinedStoragePools."""
        raise no_support('virConnectListDefinedStoragePools', C.VIR_FROM_STORAGE)

    def connectListStoragePools(self) -> Any:
        """libvirt's virConnectListStoragePools."""
        raise no_support('virConnectListStoragePools', C.VIR_FROM_STORAGE)

    def connectNumOfDefinedStoragePools(self) -> Any:
        """libvirt's virConnectNumOfDefinedStoragePools."""
        raise no_support('virConnectNumOfDefinedStoragePools', C.VIR_FROM_STORAGE)

    def connectNumOfStoragePools(self) -> Any:
        """libvirt's virConnectNumOfStoragePools."""
        raise no_support('virConnectNumOfStoragePools', C.VIR_FROM_STORAGE)

    def connectStoragePoolEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectStoragePoolEventDeregisterAny."""
        raise no_support('virConnectStoragePoolEventDeregisterAny', C.VIR_FROM_STORAGE)

    def connectStoragePoolEventRegisterAny(self, pool: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectStoragePoolEventRegisterAny."""
        raise no_support('virConnectStoragePoolEventRegisterAny', C.VIR_FROM_STORAGE)

    def storagePoolBuild(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolBuild."""
        raise no_support('virStoragePoolBuild', C.VIR_FROM_STORAGE)

    def storagePoolCreate(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolCreate."""
        raise no_support('virStoragePoolCreate', C.VIR_FROM_STORAGE)

    def storagePoolCreateXML(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolCreateXML."""
        raise no_support('virStoragePoolCreateXML', C.VIR_FROM_STORAGE)

    def storagePoolDefineXML(self, xml: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolDefineXML."""
        raise no_support('virStoragePoolDefineXML', C.VIR_FROM_STORAGE)

    def storagePoolDelete(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolDelete."""
        raise no_support('virStoragePoolDelete', C.VIR_FROM_STORAGE)

    def storagePoolDestroy(self, pool: Any) -> Any:
        """libvirt's virStoragePoolDestroy."""
        raise no_support('virStoragePoolDestroy', C.VIR_FROM_STORAGE)

    def storagePoolGetAutostart(self, pool: Any) -> Any:
        """libvirt's virStoragePoolGetAutostart."""
        raise no_support('virStoragePoolGetAutostart', C.VIR_FROM_STORAGE)

    def storagePoolGetInfo(self, pool: Any) -> Any:
        """libvirt's virStoragePoolGetInfo."""
        raise no_support('virStoragePoolGetInfo', C.VIR_FROM_STORAGE)

    def storagePoolGetXMLDesc(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolGetXMLDesc."""
        raise no_support('virStoragePoolGetXMLDesc', C.VIR_FROM_STORAGE)

    def storagePoolIsActive(self, pool: Any) -> Any:
        """libvirt's virStoragePoolIsActive."""
        raise no_support('virStoragePoolIsActive', C.VIR_FROM_STORAGE)

    def storagePoolIsPersistent(self, pool: Any) -> Any:
        """libvirt's virStoragePoolIsPersistent."""
        raise no_support('virStoragePoolIsPersistent', C.VIR_FROM_STORAGE)

    def storagePoolListAllVolumes(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolListAllVolumes."""
        raise no_support('virStoragePoolListAllVolumes', C.VIR_FROM_STORAGE)

    def storagePoolListVolumes(self, pool: Any) -> Any:
        """libvirt's virStoragePoolListVolumes."""
        raise no_support('virStoragePoolListVolumes', C.VIR_FROM_STORAGE)

    def storagePoolLookupByName(self, name: Any) -> Any:
        """libvirt's virStoragePoolLookupByName."""
        raise no_support('virStoragePoolLookupByName', C.VIR_FROM_STORAGE)

    def storagePoolLookupByTargetPath(self, path: Any) -> Any:
        """libvirt's virStoragePoolLookupByTargetPath."""
        raise no_support('virStoragePoolLookupByTargetPath', C.VIR_FROM_STORAGE)

    def storagePoolLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virStoragePoolLookupByUUID."""
        raise no_support('virStoragePoolLookupByUUID', C.VIR_FROM_STORAGE)

    def storagePoolLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virStoragePoolLookupByUUIDString."""
        raise no_support('virStoragePoolLookupByUUIDString', C.VIR_FROM_STORAGE)

    def storagePoolLookupByVolume(self, vol: Any) -> Any:
        """libvirt's virStoragePoolLookupByVolume."""
        raise no_support('virStoragePoolLookupByVolume', C.VIR_FROM_STORAGE)

    def storagePoolNumOfVolumes(self, pool: Any) -> Any:
        """libvirt's virStoragePoolNumOfVolumes."""
        raise no_support('virStoragePoolNumOfVolumes', C.VIR_FROM_STORAGE)

    def storagePoolRefresh(self, pool: Any, flags: Any) -> Any:
        """libvirt's virStoragePoolRefresh."""
        raise no_support('virStoragePoolRefresh', C.VIR_FROM_STORAGE)

    def storagePoolSetAutostart(self, pool: Any, autostart: Any) -> Any:
        """libvirt's virStoragePoolSetAutostart."""
        raise no_support('virStoragePoolSetAutostart', C.VIR_FROM_STORAGE)

    def storagePoolUndefine(self, pool: Any) -> Any:
        """libvirt's virStoragePoolUndefine."""
        raise no_support('virStoragePoolUndefine', C.VIR_FROM_STORAGE)

    def storageVolCreateXML(self, pool: Any, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virStorageVolCreateXML."""
        raise no_support('virStorageVolCreateXML', C.VIR_FROM_STORAGE)

    def storageVolCreateXMLFrom(self, pool: Any, xmlDesc: Any, clonevol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolCreateXMLFrom."""
        raise no_support('virStorageVolCreateXMLFrom', C.VIR_FROM_STORAGE)

    def storageVolDelete(self, vol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolDelete."""
        raise no_support('virStorageVolDelete', C.VIR_FROM_STORAGE)

    def storageVolDownload(self, vol: Any, stream: Any, offset: Any, length: Any, flags: Any) -> Any:
        """libvirt's virStorageVolDownload."""
        raise no_support('virStorageVolDownload', C.VIR_FROM_STORAGE)

    def storageVolGetInfo(self, vol: Any) -> Any:
        """libvirt's virStorageVolGetInfo."""
        raise no_support('virStorageVolGetInfo', C.VIR_FROM_STORAGE)

    def storageVolGetInfoFlags(self, vol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolGetInfoFlags."""
        raise no_support('virStorageVolGetInfoFlags', C.VIR_FROM_STORAGE)

    def storageVolGetPath(self, vol: Any) -> Any:
        """libvirt's virStorageVolGetPath."""
        raise no_support('virStorageVolGetPath', C.VIR_FROM_STORAGE)

    def storageVolGetXMLDesc(self, vol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolGetXMLDesc."""
        raise no_support('virStorageVolGetXMLDesc', C.VIR_FROM_STORAGE)

    def storageVolLookupByKey(self, key: Any) -> Any:
        """libvirt's virStorageVolLookupByKey."""
        raise no_support('virStorageVolLookupByKey', C.VIR_FROM_STORAGE)

    def storageVolLookupByName(self, pool: Any, name: Any) -> Any:
        """libvirt's virStorageVolLookupByName."""
        raise no_support('virStorageVolLookupByName', C.VIR_FROM_STORAGE)

    def storageVolLookupByPath(self, path: Any) -> Any:
        """libvirt's virStorageVolLookupByPath."""
        raise no_support('virStorageVolLookupByPath', C.VIR_FROM_STORAGE)

    def storageVolResize(self, vol: Any, capacity: Any, flags: Any) -> Any:
        """libvirt's virStorageVolResize."""
        raise no_support('virStorageVolResize', C.VIR_FROM_STORAGE)

    def storageVolUpload(self, vol: Any, stream: Any, offset: Any, length: Any, flags: Any) -> Any:
        """libvirt's virStorageVolUpload."""
        raise no_support('virStorageVolUpload', C.VIR_FROM_STORAGE)

    def storageVolWipe(self, vol: Any, flags: Any) -> Any:
        """libvirt's virStorageVolWipe."""
        raise no_support('virStorageVolWipe', C.VIR_FROM_STORAGE)

    def storageVolWipePattern(self, vol: Any, algorithm: Any, flags: Any) -> Any:
        """libvirt's virStorageVolWipePattern."""
        raise no_support('virStorageVolWipePattern', C.VIR_FROM_STORAGE)


class NodeDeviceDriver:
    """Operations of the nodedevice family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_NODEDEV

    def connectListAllNodeDevices(self, flags: Any) -> Any:
        """libvirt's virConnectListAllNodeDevices."""
        raise no_support('virConnectListAllNodeDevices', C.VIR_FROM_NODEDEV)

    def connectNodeDeviceEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectNodeDeviceEventDeregisterAny."""
        raise no_support('virConnectNodeDeviceEventDeregisterAny', C.VIR_FROM_NODEDEV)

    def connectNodeDeviceEventRegisterAny(self, dev: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectNodeDeviceEventRegisterAny."""
        raise no_support('virConnectNodeDeviceEventRegisterAny', C.VIR_FROM_NODEDEV)

    def nodeDeviceCreate(self, dev: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceCreate."""
        raise no_support('virNodeDeviceCreate', C.VIR_FROM_NODEDEV)

    def nodeDeviceCreateXML(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceCreateXML."""
        raise no_support('virNodeDeviceCreateXML', C.VIR_FROM_NODEDEV)

    def nodeDeviceDefineXML(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceDefineXML."""
        raise no_support('virNodeDeviceDefineXML', C.VIR_FROM_NODEDEV)

    def nodeDeviceDestroy(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceDestroy."""
        raise no_support('virNodeDeviceDestroy', C.VIR_FROM_NODEDEV)

    def nodeDeviceDetachFlags(self, dev: Any, driverName: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceDetachFlags."""
        raise no_support('virNodeDeviceDetachFlags', C.VIR_FROM_NODEDEV)

    def nodeDeviceDettach(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceDettach."""
        raise no_support('virNodeDeviceDettach', C.VIR_FROM_NODEDEV)

    def nodeDeviceGetAutostart(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceGetAutostart."""
        raise no_support('virNodeDeviceGetAutostart', C.VIR_FROM_NODEDEV)

    def nodeDeviceGetParent(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceGetParent."""
        raise no_support('virNodeDeviceGetParent', C.VIR_FROM_NODEDEV)

    def nodeDeviceGetXMLDesc(self, dev: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceGetXMLDesc."""
        raise no_support('virNodeDeviceGetXMLDesc', C.VIR_FROM_NODEDEV)

    def nodeDeviceIsActive(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceIsActive."""
        raise no_support('virNodeDeviceIsActive', C.VIR_FROM_NODEDEV)

    def nodeDeviceIsPersistent(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceIsPersistent."""
        raise no_support('virNodeDeviceIsPersistent', C.VIR_FROM_NODEDEV)

    def nodeDeviceListCaps(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceListCaps."""
        raise no_support('virNodeDeviceListCaps', C.VIR_FROM_NODEDEV)

    def nodeDeviceLookupByName(self, name: Any) -> Any:
        """libvirt's virNodeDeviceLookupByName."""
        raise no_support('virNodeDeviceLookupByName', C.VIR_FROM_NODEDEV)

    def nodeDeviceLookupSCSIHostByWWN(self, wwnn: Any, wwpn: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceLookupSCSIHostByWWN."""
        raise no_support('virNodeDeviceLookupSCSIHostByWWN', C.VIR_FROM_NODEDEV)

    def nodeDeviceNumOfCaps(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceNumOfCaps."""
        raise no_support('virNodeDeviceNumOfCaps', C.VIR_FROM_NODEDEV)

    def nodeDeviceReAttach(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceReAttach."""
        raise no_support('virNodeDeviceReAttach', C.VIR_FROM_NODEDEV)

    def nodeDeviceReset(self, dev: Any) -> Any:
        """libvirt's virNodeDeviceReset."""
        raise no_support('virNodeDeviceReset', C.VIR_FROM_NODEDEV)

    def nodeDeviceSetAutostart(self, dev: Any, autostart: Any) -> Any:
        """libvirt's virNodeDeviceSetAutostart."""
        raise no_support('virNodeDeviceSetAutostart', C.VIR_FROM_NODEDEV)

    def nodeDeviceUndefine(self, dev: Any, flags: Any) -> Any:
        """libvirt's virNodeDeviceUndefine."""
        raise no_support('virNodeDeviceUndefine', C.VIR_FROM_NODEDEV)

    def nodeListDevices(self, cap: Any, flags: Any) -> Any:
        """libvirt's virNodeListDevices."""
        raise no_support('virNodeListDevices', C.VIR_FROM_NODEDEV)

    def nodeNumOfDevices(self, cap: Any, flags: Any) -> Any:
        """libvirt's virNodeNumOfDevices."""
        raise no_support('virNodeNumOfDevices', C.VIR_FROM_NODEDEV)


class SecretDriver:
    """Operations of the secret family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_SECRET

    def connectListAllSecrets(self, flags: Any) -> Any:
        """libvirt's virConnectListAllSecrets."""
        raise no_support('virConnectListAllSecrets', C.VIR_FROM_SECRET)

    def connectListSecrets(self) -> Any:
        """libvirt's virConnectListSecrets."""
        raise no_support('virConnectListSecrets', C.VIR_FROM_SECRET)

    def connectNumOfSecrets(self) -> Any:
        """libvirt's virConnectNumOfSecrets."""
        raise no_support('virConnectNumOfSecrets', C.VIR_FROM_SECRET)

    def connectSecretEventDeregisterAny(self, callbackID: Any) -> Any:
        """libvirt's virConnectSecretEventDeregisterAny."""
        raise no_support('virConnectSecretEventDeregisterAny', C.VIR_FROM_SECRET)

    def connectSecretEventRegisterAny(self, secret: Any, eventID: Any, callback: Any) -> Any:
        """libvirt's virConnectSecretEventRegisterAny."""
        raise no_support('virConnectSecretEventRegisterAny', C.VIR_FROM_SECRET)

    def secretDefineXML(self, xml: Any, flags: Any) -> Any:
        """libvirt's virSecretDefineXML."""
        raise no_support('virSecretDefineXML', C.VIR_FROM_SECRET)

    def secretGetUsageID(self, secret: Any) -> Any:
        """libvirt's virSecretGetUsageID."""
        raise no_support('virSecretGetUsageID', C.VIR_FROM_SECRET)

    def secretGetUsageType(self, secret: Any) -> Any:
        """libvirt's virSecretGetUsageType."""
        raise no_support('virSecretGetUsageType', C.VIR_FROM_SECRET)

    def secretGetValue(self, secret: Any, flags: Any) -> Any:
        """libvirt's virSecretGetValue."""
        raise no_support('virSecretGetValue', C.VIR_FROM_SECRET)

    def secretGetXMLDesc(self, secret: Any, flags: Any) -> Any:
        """libvirt's virSecretGetXMLDesc."""
        raise no_support('virSecretGetXMLDesc', C.VIR_FROM_SECRET)

    def secretLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virSecretLookupByUUID."""
        raise no_support('virSecretLookupByUUID', C.VIR_FROM_SECRET)

    def secretLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virSecretLookupByUUIDString."""
        raise no_support('virSecretLookupByUUIDString', C.VIR_FROM_SECRET)

    def secretLookupByUsage(self, usageType: Any, usageID: Any) -> Any:
        """libvirt's virSecretLookupByUsage."""
        raise no_support('virSecretLookupByUsage', C.VIR_FROM_SECRET)

    def secretSetValue(self, secret: Any, value: Any, flags: Any) -> Any:
        """libvirt's virSecretSetValue."""
        raise no_support('virSecretSetValue', C.VIR_FROM_SECRET)

    def secretUndefine(self, secret: Any) -> Any:
        """libvirt's virSecretUndefine."""
        raise no_support('virSecretUndefine', C.VIR_FROM_SECRET)


class InterfaceDriver:
    """Operations of the interface family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_INTERFACE

    def connectListAllInterfaces(self, flags: Any) -> Any:
        """libvirt's virConnectListAllInterfaces."""
        raise no_support('virConnectListAllInterfaces', C.VIR_FROM_INTERFACE)

    def connectListDefinedInterfaces(self) -> Any:
        """libvirt's virConnectListDefinedInterfaces."""
        raise no_support('virConnectListDefinedInterfaces', C.VIR_FROM_INTERFACE)

    def connectListInterfaces(self) -> Any:
        """libvirt's virConnectListInterfaces."""
        raise no_support('virConnectListInterfaces', C.VIR_FROM_INTERFACE)

    def connectNumOfDefinedInterfaces(self) -> Any:
        """libvirt's virConnectNumOfDefinedInterfaces."""
        raise no_support('virConnectNumOfDefinedInterfaces', C.VIR_FROM_INTERFACE)

    def connectNumOfInterfaces(self) -> Any:
        """libvirt's virConnectNumOfInterfaces."""
        raise no_support('virConnectNumOfInterfaces', C.VIR_FROM_INTERFACE)

    def interfaceChangeBegin(self, flags: Any) -> Any:
        """libvirt's virInterfaceChangeBegin."""
        raise no_support('virInterfaceChangeBegin', C.VIR_FROM_INTERFACE)

    def interfaceChangeCommit(self, flags: Any) -> Any:
        """libvirt's virInterfaceChangeCommit."""
        raise no_support('virInterfaceChangeCommit', C.VIR_FROM_INTERFACE)

    def interfaceChangeRollback(self, flags: Any) -> Any:
        """libvirt's virInterfaceChangeRollback."""
        raise no_support('virInterfaceChangeRollback', C.VIR_FROM_INTERFACE)

    def interfaceCreate(self, iface: Any, flags: Any) -> Any:
        """libvirt's virInterfaceCreate."""
        raise no_support('virInterfaceCreate', C.VIR_FROM_INTERFACE)

    def interfaceDefineXML(self, xml: Any, flags: Any) -> Any:
        """libvirt's virInterfaceDefineXML."""
        raise no_support('virInterfaceDefineXML', C.VIR_FROM_INTERFACE)

    def interfaceDestroy(self, iface: Any, flags: Any) -> Any:
        """libvirt's virInterfaceDestroy."""
        raise no_support('virInterfaceDestroy', C.VIR_FROM_INTERFACE)

    def interfaceGetXMLDesc(self, iface: Any, flags: Any) -> Any:
        """libvirt's virInterfaceGetXMLDesc."""
        raise no_support('virInterfaceGetXMLDesc', C.VIR_FROM_INTERFACE)

    def interfaceIsActive(self, iface: Any) -> Any:
        """libvirt's virInterfaceIsActive."""
        raise no_support('virInterfaceIsActive', C.VIR_FROM_INTERFACE)

    def interfaceLookupByMACString(self, macstr: Any) -> Any:
        """libvirt's virInterfaceLookupByMACString."""
        raise no_support('virInterfaceLookupByMACString', C.VIR_FROM_INTERFACE)

    def interfaceLookupByName(self, name: Any) -> Any:
        """libvirt's virInterfaceLookupByName."""
        raise no_support('virInterfaceLookupByName', C.VIR_FROM_INTERFACE)

    def interfaceUndefine(self, iface: Any) -> Any:
        """libvirt's virInterfaceUndefine."""
        raise no_support('virInterfaceUndefine', C.VIR_FROM_INTERFACE)


class NWFilterDriver:
    """Operations of the nwfilter family; each raises VIR_ERR_NO_SUPPORT."""

    error_domain = C.VIR_FROM_NWFILTER

    def connectListAllNWFilterBindings(self, flags: Any) -> Any:
        """libvirt's virConnectListAllNWFilterBindings."""
        raise no_support('virConnectListAllNWFilterBindings', C.VIR_FROM_NWFILTER)

    def connectListAllNWFilters(self, flags: Any) -> Any:
        """libvirt's virConnectListAllNWFilters."""
        raise no_support('virConnectListAllNWFilters', C.VIR_FROM_NWFILTER)

    def connectListNWFilters(self) -> Any:
        """libvirt's virConnectListNWFilters."""
        raise no_support('virConnectListNWFilters', C.VIR_FROM_NWFILTER)

    def connectNumOfNWFilters(self) -> Any:
        """libvirt's virConnectNumOfNWFilters."""
        raise no_support('virConnectNumOfNWFilters', C.VIR_FROM_NWFILTER)

    def nwfilterBindingCreateXML(self, xml: Any, flags: Any) -> Any:
        """libvirt's virNWFilterBindingCreateXML."""
        raise no_support('virNWFilterBindingCreateXML', C.VIR_FROM_NWFILTER)

    def nwfilterBindingDelete(self, binding: Any) -> Any:
        """libvirt's virNWFilterBindingDelete."""
        raise no_support('virNWFilterBindingDelete', C.VIR_FROM_NWFILTER)

    def nwfilterBindingGetXMLDesc(self, binding: Any, flags: Any) -> Any:
        """libvirt's virNWFilterBindingGetXMLDesc."""
        raise no_support('virNWFilterBindingGetXMLDesc', C.VIR_FROM_NWFILTER)

    def nwfilterBindingLookupByPortDev(self, portdev: Any) -> Any:
        """libvirt's virNWFilterBindingLookupByPortDev."""
        raise no_support('virNWFilterBindingLookupByPortDev', C.VIR_FROM_NWFILTER)

    def nwfilterDefineXML(self, xmlDesc: Any) -> Any:
        """libvirt's virNWFilterDefineXML."""
        raise no_support('virNWFilterDefineXML', C.VIR_FROM_NWFILTER)

    def nwfilterDefineXMLFlags(self, xmlDesc: Any, flags: Any) -> Any:
        """libvirt's virNWFilterDefineXMLFlags."""
        raise no_support('virNWFilterDefineXMLFlags', C.VIR_FROM_NWFILTER)

    def nwfilterGetXMLDesc(self, nwfilter: Any, flags: Any) -> Any:
        """libvirt's virNWFilterGetXMLDesc."""
        raise no_support('virNWFilterGetXMLDesc', C.VIR_FROM_NWFILTER)

    def nwfilterLookupByName(self, name: Any) -> Any:
        """libvirt's virNWFilterLookupByName."""
        raise no_support('virNWFilterLookupByName', C.VIR_FROM_NWFILTER)

    def nwfilterLookupByUUID(self, uuid: Any) -> Any:
        """libvirt's virNWFilterLookupByUUID."""
        raise no_support('virNWFilterLookupByUUID', C.VIR_FROM_NWFILTER)

    def nwfilterLookupByUUIDString(self, uuidstr: Any) -> Any:
        """libvirt's virNWFilterLookupByUUIDString."""
        raise no_support('virNWFilterLookupByUUIDString', C.VIR_FROM_NWFILTER)

    def nwfilterUndefine(self, nwfilter: Any) -> Any:
        """libvirt's virNWFilterUndefine."""
        raise no_support('virNWFilterUndefine', C.VIR_FROM_NWFILTER)
