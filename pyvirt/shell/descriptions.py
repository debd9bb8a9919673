"""What ``help COMMAND`` prints under DESCRIPTION: a few sentences per command.

The one-line help stays in each command's ``@command`` declaration (it is
what the command lists show); this table, read only when a command's help
is shown, says what the command does, to which objects, and what a user
needs to know before running it.  A command missing here shows its
one-line help.
"""

DESCRIPTIONS: dict[str, str] = {
    # -- pyvirsh itself
    "help": "Without an argument, list every command by group; with a group keyword, the "
            "commands of that group; with a command name, its synopsis and options.",
    "connect": "Close the current connection and open one to the given URI (without one: "
               "the current URI again). --readonly opens a read-only connection.",
    "quit": "Leave interactive mode.",
    "exit": "Leave interactive mode.",
    "cd": "Change the working directory of the shell (interactive mode only); without a "
          "directory, go to $HOME.",
    "pwd": "Print the working directory of the shell.",
    "echo": "Print the arguments, separated by spaces.",
    # -- domain life cycle
    "define": "Make the domain described by an XML file persistent without starting it. "
              "If a domain with that name and UUID exists, its next-boot definition is "
              "replaced.",
    "undefine": "Remove a domain's persistent definition. A running domain keeps running "
                "and becomes transient; an inactive one is gone.",
    "create": "Start a domain from an XML file. It is transient (gone when it stops) unless "
              "a persistent domain of that name is already defined.",
    "start": "Boot an inactive, defined domain (from its managed save image if it has one).",
    "shutdown": "Ask the guest to power off (ACPI or agent); returns before the guest has "
                "stopped. Use destroy to stop it at once.",
    "reboot": "Ask the guest to reboot; returns before the reboot is done.",
    "reset": "Reset the guest at once, like pressing its reset button (no clean shutdown).",
    "suspend": "Pause the domain's virtual CPUs; memory and devices stay as they are.",
    "resume": "Let a paused domain's virtual CPUs run again.",
    "destroy": "Stop a running domain at once, like pulling the power plug. A persistent "
               "domain stays defined; a transient one is gone.",
    "autostart": "Start the domain when its host (or pyvirtd) starts; --disable turns this "
                 "off.",
    "save": "Write the running domain's memory and device state to a file and stop it; "
            "restore starts it again from the file.",
    "restore": "Start a domain from a file written by save.",
    "managedsave": "Save the running domain's state to a file the driver keeps and stop it; "
                   "the next start resumes from that image.",
    "managedsave-remove": "Delete a domain's managed save image, so that the next start "
                          "boots afresh.",
    "save-image-dumpxml": "Print the domain XML stored in a file written by save.",
    "setmem": "Change the memory (balloon) of a running domain or, with --config, of its "
              "next boot. The size is KiB unless a unit is given (512M, 2G).",
    "setmaxmem": "Change the maximum memory a domain may have (usually for its next boot).",
    "setvcpus": "Change the number of virtual CPUs of a running domain or of its next boot "
                "(--config); --maximum sets the upper limit.",
    "migrate": "Move a running domain to the host named by the destination URI.",
    "domxml-to-native": "Print the hypervisor's own configuration for a domain XML: for "
                        "qemu-argv, the QEMU command line pyvirt would run.",
    # -- devices
    "attach-device": "Add the device described by an XML file to a domain: to the running "
                     "guest (--live), its next boot (--config) or both.",
    "detach-device": "Remove the device described by an XML file from a domain (running "
                     "guest, next boot or both).",
    "attach-disk": "Add a disk from a few arguments (source, target, driver, type) instead "
                   "of an XML file.",
    "attach-interface": "Add a network interface from a few arguments (type, source, model, "
                        "MAC address) instead of an XML file.",
    # -- events and console
    "event": "List the event types (--list), or wait for domain events and print each as "
             "it arrives (--loop: until interrupted, --timeout: at most that many "
             "seconds).",
    "console": "Connect the terminal to the guest's serial console; Ctrl-] leaves it.",
    # -- containers
    "lxc-enter-namespace": "Run a command inside a running container: in its namespaces "
                           "and cgroups, as a child of pyvirsh; the exit status is the "
                           "command's (--noseclabel is accepted: containers have no "
                           "security label here).",
    # -- monitoring
    "list": "List domains: by default the running ones, --all for the inactive ones too. "
            "Filters (--persistent, --state-paused, --autostart...) combine; --name, --uuid "
            "and --id print one value per line for scripts.",
    "dominfo": "Print a domain's id, UUID, OS type, state, CPUs, memory, persistence, "
               "autostart and security label.",
    "domstate": "Print a domain's state (running, paused, shut off...); --reason adds why it "
                "is in that state.",
    "domid": "Print the id of a running domain given its name or UUID ('-' when it does not "
             "run).",
    "domname": "Print a domain's name given its id or UUID.",
    "domuuid": "Print a domain's UUID given its name or id.",
    "dumpxml": "Print a domain's XML: the running definition, or with --inactive the next "
               "boot's. --xpath selects parts of it.",
    "vcpucount": "Print the maximum and current virtual CPU counts of the running domain "
                 "and of its next boot.",
    "domblklist": "List a domain's disks: target and source (--details adds type and "
                  "device).",
    "domiflist": "List a domain's network interfaces: name, type, source, model and MAC "
                 "address.",
    "domblkstat": "Print the I/O counters of a running domain's disk (all disks when none "
                  "is given).",
    "domifstat": "Print the traffic counters of a running domain's network interface.",
    "dommemstat": "Print a running domain's memory statistics (from its balloon device).",
    "domstats": "Print statistics of one, several or all domains as name=value lines; "
                "options choose the groups (--state, --cpu-total, --balloon, --block...).",
    "domjobinfo": "Print the progress of a domain's long-running job (save, migration...), "
                  "or of the last one that completed with --completed.",
    "domjobabort": "Abort a domain's long-running job (save, migration, dump...).",
    # -- host
    "version": "Print the library, API and hypervisor versions (--daemon: the daemon's "
               "too).",
    "hostname": "Print the host name of the machine the connection manages.",
    "uri": "Print the canonical URI of the current connection.",
    "nodeinfo": "Print the host's CPU model, CPU count and topology, NUMA cells and memory.",
    "capabilities": "Print the capabilities XML: the host's CPUs and NUMA cells and the "
                    "guest architectures and machine types the hypervisor offers.",
    "domcapabilities": "Print what the hypervisor supports for one emulator, architecture "
                       "and machine type: devices, firmware, CPU modes.",
    "sysinfo": "Print the host's SMBIOS information (BIOS, system, processors, memory) as "
               "XML.",
    # -- interfaces
    "iface-list": "List the host's network interfaces: name, state and MAC address "
                  "(--all: inactive ones too).",
    "iface-dumpxml": "Print a host interface's XML.",
    # -- networks
    "net-list": "List virtual networks (--all: inactive ones too) with their state, "
                "autostart and persistence.",
    "net-info": "Print a network's name, UUID, state, persistence, autostart and bridge.",
    "net-dumpxml": "Print a network's XML (--inactive: the definition its next start uses).",
    "net-define": "Define a persistent network from an XML file without starting it (or "
                  "replace the definition of an existing one).",
    "net-create": "Start a transient network from an XML file.",
    "net-start": "Start an inactive, defined network.",
    "net-destroy": "Stop a network. A persistent network stays defined; a transient one is "
                   "gone.",
    "net-undefine": "Remove a network's persistent definition (a running network then "
                    "becomes transient).",
    "net-autostart": "Start the network when its host starts; --disable turns this off.",
    "net-name": "Print a network's name given its UUID.",
    "net-uuid": "Print a network's UUID given its name.",
    "net-dhcp-leases": "List the DHCP leases a network has handed out (optionally of one MAC "
                       "address).",
    "net-edit": "Open a network's XML in $VISUAL or $EDITOR and define the edited result.",
    # -- node devices
    "nodedev-list": "List the host's devices by name (--tree: as a tree of parents; --cap: "
                    "only of some capability types).",
    "nodedev-dumpxml": "Print a host device's XML: its parent, driver and capabilities.",
    # -- secrets
    "secret-define": "Define a secret (its usage and UUID) from an XML file, or change an "
                     "existing one. The value is set with secret-set-value.",
    "secret-dumpxml": "Print a secret's XML (never its value).",
    "secret-set-value": "Set a secret's value, given in base64 (or read from a file).",
    "secret-get-value": "Print a secret's value in base64 (refused for private secrets).",
    "secret-undefine": "Delete a secret and its value.",
    "secret-list": "List secrets: UUID and usage.",
    # -- checkpoints and backups
    "checkpoint-create": "Create a checkpoint of a running domain as an XML file describes it "
                         "(without one: a default checkpoint): a dirty bitmap per disk that "
                         "records what the guest writes from now on.",
    "checkpoint-create-as": "Create a checkpoint of a running domain from a name, a "
                            "description and --diskspec entries.",
    "checkpoint-delete": "Delete a checkpoint and its bitmaps (--children: with its "
                         "descendants; --metadata: the metadata only).",
    "checkpoint-dumpxml": "Print a checkpoint's XML (--size: the bytes changed since it was "
                          "taken; --no-domain: without the domain definition).",
    "checkpoint-edit": "Open a checkpoint's XML in $VISUAL or $EDITOR and redefine the "
                       "checkpoint from the edited result (its name may not change).",
    "checkpoint-info": "Print a checkpoint's name, domain, parent and number of children.",
    "checkpoint-list": "List a domain's checkpoints as a table, names (--name) or a tree "
                       "(--tree).",
    "checkpoint-parent": "Print the name of a checkpoint's parent.",
    "backup-begin": "Start a backup of a running domain's disks: pushed into files, or "
                    "pulled by the caller over NBD, full or incremental since a checkpoint.",
    "backup-dumpxml": "Print the XML of the domain's running backup job.",
    # -- snapshots
    "snapshot-create": "Take a snapshot of a domain as an XML file describes it (without one: "
                       "with a name from the current time).",
    "snapshot-create-as": "Take a snapshot of a domain from a few arguments (name, "
                          "description, disk-only...).",
    "snapshot-current": "Print the name (or with no --name, the XML) of the domain's current "
                        "snapshot, or make another snapshot the current one.",
    "snapshot-info": "Print a snapshot's domain, state, location, parent, number of children "
                     "and descendants, and whether it is current.",
    "snapshot-list": "List a domain's snapshots with their creation time and state "
                     "(--tree: as a tree; --parent, --roots, --leaves: filters).",
    "snapshot-dumpxml": "Print a snapshot's XML, with the domain definition it saved.",
    "snapshot-edit": "Open a snapshot's XML in $VISUAL or $EDITOR and redefine the snapshot "
                     "from the edited result (--rename or --clone for a new name; "
                     "--current: also make it the current one).",
    "snapshot-parent": "Print the name of a snapshot's parent.",
    "snapshot-revert": "Bring a domain back to a snapshot: its definition and, for a "
                       "snapshot of a running domain, its memory state.",
    "snapshot-delete": "Delete a snapshot (--children: with its descendants; --metadata: "
                       "only pyvirt's record of it).",
    # -- storage pools
    "pool-list": "List storage pools (--all: inactive ones too; --details: capacity, "
                 "allocation and free space).",
    "pool-info": "Print a pool's name, UUID, state, persistence, autostart, capacity, "
                 "allocation and free space.",
    "pool-dumpxml": "Print a pool's XML (--inactive: the definition its next start uses).",
    "pool-define": "Define a persistent storage pool from an XML file without starting it "
                   "(or replace an existing pool's definition).",
    "pool-create": "Start a transient storage pool from an XML file.",
    "pool-define-as": "Define a persistent storage pool from a few arguments (name, type, "
                      "source, target) instead of an XML file.",
    "pool-start": "Start an inactive, defined pool (--build: build it first).",
    "pool-build": "Prepare a pool's underlying storage (for a dir pool, create its "
                  "directory).",
    "pool-destroy": "Stop a pool; its volumes and data stay where they are.",
    "pool-delete": "Delete a pool's underlying storage (for a dir pool, its directory). "
                   "The data are lost.",
    "pool-refresh": "Scan a pool's storage again and update its volumes and sizes.",
    "pool-undefine": "Remove an inactive pool's persistent definition (its storage stays).",
    "pool-autostart": "Start the pool when its host starts; --disable turns this off.",
    # -- storage volumes
    "vol-list": "List a pool's volumes with their paths (--details: type, capacity and "
                "allocation).",
    "vol-info": "Print a volume's name, type, capacity and allocation.",
    "vol-dumpxml": "Print a volume's XML.",
    "vol-create": "Create a volume in a pool from an XML file.",
    "vol-create-as": "Create a volume in a pool from a name and a size (and format, "
                     "backing volume...) instead of an XML file.",
    "vol-clone": "Create a new volume in the same pool with a copy of a volume's content.",
    "vol-delete": "Delete a volume and its data.",
    "vol-resize": "Change a volume's capacity (--delta: by the given amount; --shrink to "
                  "allow making it smaller).",
    "vol-path": "Print a volume's path given its name (and pool) or key.",
    "vol-key": "Print a volume's key given its name (and pool) or path.",
    "vol-name": "Print a volume's name given its key or path.",
    "vol-upload": "Write a local file's content into a volume (--offset and --length: a "
                  "part of it).",
    "vol-download": "Copy a volume's content into a local file.",
    "vol-wipe": "Overwrite a volume's data (with zeros unless --algorithm says otherwise).",
    # -- guest devices and data (domain_guest)
    "setvcpu": "Plug (--enable) or unplug (--disable) the listed vCPUs of a running domain "
               "(or, with --config, of its next boot).",
    "screenshot": "Save the guest's screen to a file (default name: domain and time); "
                  "--screen picks a head of a multi-head video card.",
    "send-key": "Press keys of the guest's keyboard together, given as numbers of a keycode "
                "set (--codeset: linux, xt, atset1, atset2, atset3, os_x, xt_kbd, usb, "
                "win32, qnum, rfb) or as Linux KEY_* names; --holdtime in milliseconds.",
    "inject-nmi": "Send a non-maskable interrupt to the guest's CPUs.",
    "dump": "Write the guest's memory to a file for analysis (--memory-only, with --format "
            "elf, kdump-zlib, kdump-lzo, kdump-snappy or win-dmp); --crash stops the guest "
            "after, --reset resets it.",
    "domblkinfo": "Print a disk's capacity (the size the guest sees), allocation and "
                  "physical size on the host (--human: with units).",
    "domblkerror": "Print the disks that stopped on an I/O error, and why.",
    "domcontrol": "Print whether the hypervisor's control channel is free, busy with a job "
                  "or broken.",
    "set-lifecycle-action": "Set what the guest's power-off, reboot or crash does (destroy, "
                            "restart, preserve, coredump-destroy ...), live or --config.",
    "domrename": "Give a shut-off persistent domain a new name.",
    "metadata": "Print an application's metadata element (by namespace URI) or, with --set "
                "and --key, replace it; --remove deletes it.",
    "desc": "Print the domain's description (--title: its title) or set it to the given "
            "words.",
    "domdisplay": "Print the URI a viewer connects to for the guest's graphical display "
                  "(--include-password, --type, --all).",
    "domdirtyrate-calc": "Start measuring how fast the guest writes its memory over --seconds "
                         "(1 to 60); domstats shows the result in its dirtyrate group.",
    "dom-fd-associate": "Hand the domain descriptors pyvirsh inherited (--pass-fds 3,4) under "
                        "a name; a disk with <source fdgroup='NAME'/> is opened from them.",
    # -- host numbers and CPU models (node.py)
    "nodecpustats": "Print the host's CPU time counters in nanoseconds (one CPU with --cpu; "
                    "--percent: their shares over one second).",
    "nodememstats": "Print the host's (or one NUMA cell's, --cell) total, free, buffer and "
                    "cache memory in KiB.",
    "freecell": "Print the free memory of the host, of one NUMA cell (--cellno) or of every "
                "cell (--all).",
    "nodecpumap": "Print how many host CPUs are present and online, and which are online "
                  "(--pretty: as a CPU list).",
    "freepages": "Print the free pages of each size per NUMA cell (--all, or --cellno with "
                 "--pagesize).",
    "allocpages": "Size the pool of huge pages of one size: set it (or grow it, --add) on one "
                  "NUMA cell (--cellno) or on all (--all).",
    "node-memory-tune": "Print the kernel's same-page merging parameters, or set them with "
                        "--shm-pages-to-scan, --shm-sleep-millisecs and "
                        "--shm-merge-across-nodes.",
    "cpu-compare": "Say whether the host CPU is identical to, a superset of or incompatible "
                   "with the CPU described in a file (--error: incompatible is an error).",
    "cpu-baseline": "Print the most capable CPU model that every CPU described in a file can "
                    "run (--features: list the model's features too).",
    "hypervisor-cpu-compare": "Compare the CPU described in a file with the CPU the "
                              "hypervisor can give guests on this host (--virttype, "
                              "--emulator, --arch, --machine pick which).",
    "hypervisor-cpu-baseline": "Print the baseline CPU of the CPUs described in a file, "
                               "without the features the hypervisor cannot give guests.",
    # -- domain tuning (domain_tune.py)
    "schedinfo": "Print the domain's scheduler parameters (CPU shares, CFS periods and "
                 "quotas); --set name=value changes one.",
    "blkiotune": "Print or set the domain's block I/O weight and per-device limits "
                 "(--weight, --device-weights, --device-read-iops-sec ...).",
    "memtune": "Print or set the domain's memory limits (--hard-limit, --soft-limit, "
               "--swap-hard-limit; -1 for unlimited).",
    "numatune": "Print or set the domain's memory NUMA policy (--mode, --nodeset).",
    "blkdeviotune": "Print or set the I/O throttling of one of the domain's disks "
                    "(--total-bytes-sec, --read-iops-sec ...).",
    "domiftune": "Print or set the bandwidth limits of one of the domain's interfaces "
                 "(--inbound and --outbound average,peak,burst).",
    "perf": "Print the domain's perf events, or switch some on (--enable) or off "
            "(--disable), separated by '|'.",
    "vcpupin": "Print the host CPUs each vCPU may run on, or pin one vCPU to a CPU list.",
    "emulatorpin": "Print or set the host CPUs the hypervisor's own threads may run on.",
    "iothreadinfo": "List the domain's I/O threads and the host CPUs each may run on.",
    "iothreadpin": "Pin one I/O thread to a list of host CPUs.",
    "iothreadadd": "Add an I/O thread with the given id.",
    "iothreaddel": "Remove the I/O thread with the given id (no disk may use it).",
    "iothreadset": "Change an I/O thread's polling (--poll-max-ns, --poll-grow, "
                   "--poll-shrink) or worker pool (--thread-pool-min, --thread-pool-max).",
    "vcpuinfo": "Print each vCPU's state, the host CPU it last ran on, its CPU time and "
                "affinity (--pretty: as a CPU list).",
    # -- block jobs
    "blockcopy": "Copy a running domain's disk to a new image (--dest file or --xml) while "
                 "the guest writes to it; once the copy mirrors every write the job is "
                 "ready. --pivot switches the disk to the copy, --finish ends the job "
                 "keeping the original; --wait --verbose show progress; --shallow copies "
                 "only the top image, --reuse-external writes into an existing one.",
    "blockcommit": "Merge images of a disk's backing chain down into a lower one (--top "
                   "into --base). Committing the active image (--active) ends in a mirror "
                   "phase: --pivot makes the base the disk, --keep-overlay keeps the top.",
    "blockpull": "Copy the data of a disk's backing images into its top image, so that it "
                 "no longer needs them (or only those below --base).",
    "blockjob": "Show the progress of a disk's block job (--info, the default), change its "
                "bandwidth (--bandwidth), or end it: --abort cancels, --pivot switches to "
                "a ready copy, --async returns without waiting.",
    "blockresize": "Change the size of a running domain's disk (a scaled number, KiB by "
                   "default); the guest sees the new size at once.",
    "domblkthreshold": "Ask for one BLOCK_THRESHOLD event when the guest writes beyond the "
                       "given offset of a disk (bytes, or a scaled number).",
    # -- guest agent
    "domhostname": "Print the guest's hostname, as its guest agent (--source agent) or its "
                   "DHCP lease (--source lease) says.",
    "domtime": "Print the guest's clock (through its guest agent), or set it: --now to the "
               "host's time, --time to a number of seconds, --sync from the guest's RTC.",
    "guestinfo": "Print what the guest agent reports: users, OS, time zone, hostname, file "
                 "systems, disks and interfaces (all of them unless some are chosen).",
    "qemu-agent-command": "Send a JSON command to the guest agent and print its JSON "
                          "reply (--timeout seconds, --async, --block).",
    "qemu-monitor-command": "Send a QMP command (JSON, or a command name followed by JSON "
                            "members of its arguments) or with --hmp a human monitor command "
                            "to QEMU and print its reply (--pretty, --return-value, --pass-fds "
                            "N: one descriptor to go with the command).",
}
