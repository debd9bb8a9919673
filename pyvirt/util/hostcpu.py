"""Facts about the host's processors that need more than a file read.

* ``cpuid(leaf, subleaf)`` executes the CPUID instruction (x86-64 only) from
  a small machine-code thunk placed in an executable anonymous mapping;
* ``kvm_*`` ask /dev/kvm with ioctls: the highest vCPU count a VM may have
  (KVM_CAP_MAX_VCPUS) and the TSC frequency a vCPU sees (KVM_GET_TSC_KHZ);
* ``read_msr`` reads a model-specific register through /dev/cpu/N/msr or,
  failing that, KVM_GET_MSRS on /dev/kvm (the feature MSRs KVM emulates).

Every function answers None (or a documented default) when the host cannot
tell, so callers leave the element out as libvirt does.
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import mmap
import os
import platform
import struct

# KVM ioctl numbers (linux/kvm.h): _IO(0xAE, nr) and _IOWR(0xAE, 0x88, struct kvm_msrs)
_KVM_CHECK_EXTENSION = 0xAE03
_KVM_CREATE_VM = 0xAE01
_KVM_CREATE_VCPU = 0xAE41
_KVM_GET_TSC_KHZ = 0xAEA3
_KVM_GET_MSRS = 0xC008AE88
_KVM_CAP_NR_VCPUS = 9
_KVM_CAP_MAX_VCPUS = 66
_KVM_CAP_TSC_CONTROL = 60

# push rbx; mov r8,rdx; mov eax,edi; mov ecx,esi; cpuid;
# mov [r8],eax; mov [r8+4],ebx; mov [r8+8],ecx; mov [r8+12],edx; pop rbx; ret
_CPUID_THUNK = bytes.fromhex("534989d089f889f10fa2418900418958044189480841895" "00c5bc3")

_CpuidFunc = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32,
                              ctypes.POINTER(ctypes.c_uint32 * 4))


@functools.lru_cache(maxsize=1)
def _cpuid_func() -> tuple[mmap.mmap, object] | None:
    if platform.machine() not in ("x86_64", "amd64"):
        return None
    try:
        page = mmap.mmap(-1, mmap.PAGESIZE,
                         prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    except (OSError, ValueError):
        return None          # W^X policy: no executable anonymous memory
    page.write(_CPUID_THUNK)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
    return page, _CpuidFunc(addr)


def cpuid(leaf: int, subleaf: int = 0) -> tuple[int, int, int, int] | None:
    """(eax, ebx, ecx, edx) of CPUID ``leaf``/``subleaf``; None off x86-64."""
    thunk = _cpuid_func()
    if thunk is None:
        return None
    out = (ctypes.c_uint32 * 4)()
    thunk[1](leaf, subleaf, ctypes.pointer(out))   # type: ignore[operator]
    return out[0], out[1], out[2], out[3]


def _kvm_open() -> int | None:
    try:
        return os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None


def kvm_max_vcpus() -> int:
    """The most vCPUs KVM allows in one VM (libvirt's virHostCPUGetKVMMaxVCPUs).

    Raises OSError when /dev/kvm cannot be opened.
    """
    fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    try:
        for cap in (_KVM_CAP_MAX_VCPUS, _KVM_CAP_NR_VCPUS):
            try:
                value = fcntl.ioctl(fd, _KVM_CHECK_EXTENSION, cap)
            except OSError:
                continue
            if value > 0:
                return value
        return 4     # KVM's documented minimum when neither capability answers
    finally:
        os.close(fd)


def kvm_tsc() -> tuple[int, bool] | None:
    """(TSC frequency in Hz, scaling supported) as a KVM vCPU sees it, or None."""
    fd = _kvm_open()
    if fd is None:
        return None
    vm = vcpu = -1
    try:
        vm = fcntl.ioctl(fd, _KVM_CREATE_VM, 0)
        vcpu = fcntl.ioctl(vm, _KVM_CREATE_VCPU, 0)
        khz = fcntl.ioctl(vcpu, _KVM_GET_TSC_KHZ, 0)
        scaling = fcntl.ioctl(vm, _KVM_CHECK_EXTENSION, _KVM_CAP_TSC_CONTROL) > 0
        return khz * 1000, scaling
    except OSError:
        return None
    finally:
        for f in (vcpu, vm, fd):
            if f >= 0:
                os.close(f)


def read_msr(index: int) -> int | None:
    """The value of MSR ``index`` on CPU 0, or None when it cannot be read."""
    try:
        fd = os.open("/dev/cpu/0/msr", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        fd = -1
    if fd >= 0:
        try:
            data = os.pread(fd, 8, index)
            if len(data) == 8:
                return int.from_bytes(data, "little")
        except OSError:
            pass
        finally:
            os.close(fd)
    kvm = _kvm_open()
    if kvm is None:
        return None
    try:
        buf = bytearray(struct.pack("=IIIIQ", 1, 0, index, 0, 0))
        if fcntl.ioctl(kvm, _KVM_GET_MSRS, buf) != 1:
            return None
        return int(struct.unpack_from("=Q", buf, 16)[0])
    except OSError:
        return None
    finally:
        os.close(kvm)


def microcode_version() -> int | None:
    """The microcode revision of CPU 0 from /proc/cpuinfo, or None."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("microcode"):
                    return int(line.split(":", 1)[1].strip(), 0)
                if not line.strip():
                    break
    except (OSError, ValueError):
        pass
    return None
