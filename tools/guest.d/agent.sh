# The QEMU guest agent on the virtio-serial port org.qemu.guest_agent.0, when the
# domain has that channel (and the kernel command line has no 'pyvirt.noagent').
# No udev here: the port is found by name in sysfs.  qemu-ga powers off and
# reboots through /sbin/shutdown, which busybox lacks: a small one is made.
mkdir -p /sbin /var/run
cat > /sbin/shutdown <<'SH'
#!/bin/sh
case " $* " in
  *" -r "*) echo PYVIRT-GUEST-AGENT-REBOOT >/dev/console; reboot -f ;;
  *) echo PYVIRT-GUEST-POWEROFF >/dev/console; poweroff -f ;;
esac
SH
chmod 755 /sbin/shutdown
case " $(cat /proc/cmdline) " in
  *" pyvirt.noagent "*) ;;
  *)
  (
    # no virtio-serial controller (PCI 1af4:1003 or 1af4:1043): no agent port to wait for
    cat /sys/bus/pci/devices/*/device 2>/dev/null | grep -q -e 0x1003 -e 0x1043 || exit 0
    # the port may appear late on a loaded host: look for it for up to a minute
    try=0
    while [ $try -lt 120 ]; do
      try=$((try+1))
      for p in /sys/class/virtio-ports/*; do
        if [ "$(cat $p/name 2>/dev/null)" = "org.qemu.guest_agent.0" ]; then
          exec /usr/sbin/qemu-ga -m virtio-serial -p /dev/${p##*/} -t /tmp \
            -f /tmp/qemu-ga.pid 2>/dev/console
        fi
      done
      sleep 0.5
    done
  ) &
  ;;
esac
