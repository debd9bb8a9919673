"""Every class, method and function of libvirt-python exists in pyvirt."""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pyvirt
from pyvirt.driver import interface

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_PY = "/usr/bin/python3"
LIBVIRT_PY = Path("/usr/lib/python3/dist-packages/libvirt.py")

_LIST = """
import inspect, json, libvirt
out = {}
for name in dir(libvirt):
    obj = getattr(libvirt, name)
    if inspect.isclass(obj) and name.startswith('vir'):
        out[name] = {m: list(inspect.signature(f).parameters) for m, f in vars(obj).items()
                     if callable(f) and not m.startswith('_')}
out['<functions>'] = sorted(n for n in dir(libvirt) if inspect.isfunction(getattr(libvirt, n))
                            and not n.startswith('_') and getattr(libvirt, n).__module__ == 'libvirt')
print(json.dumps(out))
"""


def _theirs():
    proc = subprocess.run([DEBIAN_PY, "-c", _LIST], capture_output=True, text=True, check=False)
    if proc.returncode:
        pytest.skip("python3-libvirt not installed")
    return json.loads(proc.stdout)


@pytest.mark.libvirt_ref
@pytest.mark.skipif(not os.path.exists(DEBIAN_PY), reason="no /usr/bin/python3")
def test_every_method_exists_with_the_same_parameters():
    theirs = _theirs()
    missing, differing = [], []
    for cls_name, methods in theirs.items():
        if cls_name == "<functions>":
            continue
        cls = getattr(pyvirt, cls_name)
        for meth, sig in methods.items():
            ours = getattr(cls, meth, None)
            if ours is None:
                missing.append(f"{cls_name}.{meth}")
                continue
            their_params = sig
            our_params = list(inspect.signature(ours).parameters)
            if [p for p in their_params if p != "self"] != [p for p in our_params if p != "self"]:
                differing.append(f"{cls_name}.{meth}{sig} vs {our_params}")
    assert not missing
    assert not differing


@pytest.mark.libvirt_ref
@pytest.mark.skipif(not os.path.exists(DEBIAN_PY), reason="no /usr/bin/python3")
def test_every_module_function_exists():
    theirs = _theirs()["<functions>"]
    assert [f for f in theirs if not callable(getattr(pyvirt, f, None))] == []


@pytest.mark.skipif(not LIBVIRT_PY.exists(), reason="python3-libvirt not installed")
def test_generated_modules_are_up_to_date():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_api.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_unimplemented_method_raises_no_support_naming_the_function():
    drv = interface.HypervisorDriver()
    with pytest.raises(pyvirt.libvirtError) as exc:
        drv.domainGetInfo(None)
    assert exc.value.get_error_code() == pyvirt.VIR_ERR_NO_SUPPORT
    assert "virDomainGetInfo" in str(exc.value)
    assert str(exc.value) == ("this function is not supported by the connection driver: "
                              "virDomainGetInfo")


def test_libvirt_error_interface():
    err = pyvirt.errors.report(pyvirt.VIR_ERR_NO_DOMAIN, "no domain with matching name 'x'",
                               pyvirt.VIR_FROM_QEMU)
    assert isinstance(err, pyvirt.libvirtError)
    assert err.get_error_code() == pyvirt.VIR_ERR_NO_DOMAIN
    assert err.get_error_domain() == pyvirt.VIR_FROM_QEMU
    assert err.get_error_message() == "Domain not found: no domain with matching name 'x'"
    assert err.get_error_level() == pyvirt.VIR_ERR_ERROR
    assert pyvirt.virGetLastErrorCode() == pyvirt.VIR_ERR_NO_DOMAIN
    assert pyvirt.virGetLastErrorMessage() == err.get_error_message()
    # user code constructing the exception picks up the last error, as libvirt-python
    assert pyvirt.libvirtError("call failed").get_error_code() == pyvirt.VIR_ERR_NO_DOMAIN
    pyvirt.virResetLastError()
    assert pyvirt.virGetLastError() is None
    assert pyvirt.libvirtError("call failed").get_error_code() is None


def test_error_handler_receives_errors_and_default_prints(capfd):
    seen = []
    pyvirt.registerErrorHandler(lambda ctx, err: seen.append((ctx, err[0])), "ctx")
    pyvirt.errors.report(pyvirt.VIR_ERR_INVALID_ARG, "bad", pyvirt.VIR_FROM_NONE)
    assert seen == [("ctx", pyvirt.VIR_ERR_INVALID_ARG)]
    pyvirt.registerErrorHandler(None, None)
    pyvirt.errors.report(pyvirt.VIR_ERR_INVALID_ARG, "bad", pyvirt.VIR_FROM_TEST)
    assert "libvirt: Test Driver error : invalid argument: bad" in capfd.readouterr().err
