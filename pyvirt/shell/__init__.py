"""pyvirsh: a virsh-compatible shell built on pyvirt's public API.

The shell speaks only to ``import pyvirt as libvirt``, so it works over any
connection URI pyvirt can open.  Layout, one module per concern:

- :mod:`.main`: global options, the command loop, interactive mode,
  readline completion and the built-in commands (help, connect, quit).
- :mod:`.command`: command and option declarations (data), the command
  line tokenizer and virsh's rules for binding words to options.
- :mod:`.output`: stdout/stderr printing with virsh's quiet rules, tables,
  trees, capacities, JSON documents (with the documented key schema) and
  progress bars.
- :mod:`.lookup`: finding domains, networks, pools, volumes, ... by name,
  id or UUID, with virsh's error wording.
- :mod:`.jobs`: long operations run in a worker thread, watched from the
  main thread with a progress bar; Ctrl-C aborts the job.
- one module per command group: :mod:`.domain` (lifecycle),
  :mod:`.domain_monitor` (state and statistics), :mod:`.domain_device`
  (hotplug), :mod:`.domain_event` (event, console), :mod:`.host`,
  :mod:`.network`, :mod:`.storage` (pools), :mod:`.volume`,
  :mod:`.snapshot`, :mod:`.nodedev`, :mod:`.secret`, :mod:`.iface`.
"""
