import libvirt, json, inspect, signal, sys, threading
libvirt.registerErrorHandler(lambda c,e: None, None)
c = libvirt.openReadOnly('test:///default')
objs = {
 'virConnect': c,
 'virDomain': c.lookupByName('test'),
 'virNetwork': c.networkLookupByName('default'),
 'virStoragePool': c.storagePoolLookupByName('default-pool'),
 'virInterface': c.interfaceLookupByName('eth1'),
 'virNodeDevice': c.nodeDeviceLookupByName('computer'),
}
rw = libvirt.open('test:///default')
objs['virStorageVol'] = None
objs['virStream'] = c.newStream()
cands = [0, 'x', '<x/>', 1, [], {}, None, b'x']
res = {}
skip = {'close','__del__','__enter__','__exit__','__init__','recvAll','sendAll','sparseRecvAll','sparseSendAll','recv','send','recvHole','sendHole','recvFlags','virEventRunDefaultImpl','finish','abort'}
for cname, obj in objs.items():
    if obj is None: continue
    cls = getattr(libvirt, cname)
    for name, fn in vars(cls).items():
        if name.startswith('_') or name in skip or not callable(fn): continue
        sig = inspect.signature(fn)
        params = [p for p in list(sig.parameters.values())[1:] if p.default is inspect.Parameter.empty]
        verdict = None
        for cand in cands:
            args = []
            for p in params:
                n = p.name.lower()
                if 'flag' in n: args.append(0)
                elif 'xml' in n: args.append('<x/>')
                elif 'cb' in n or 'callback' in n or 'func' in n or 'handler' in n: args.append(lambda *a: 0)
                elif n in ('dom','domain'): args.append(objs['virDomain'])
                elif n in ('params','parameters'): args.append({})
                else: args.append(cand)
            try:
                getattr(obj, name)(*args)
                verdict = 'ok'; break
            except libvirt.libvirtError as e:
                verdict = 'denied' if e.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED else 'err%s' % e.get_error_code()
                break
            except (TypeError, ValueError, OverflowError, SystemError, AttributeError, LookupError) as e:
                verdict = 'type'
                continue
        res[cname + '.' + name] = verdict
json.dump(res, open('/tmp/ro/res.json', 'w'), indent=1)
from collections import Counter
print(Counter(res.values()))
