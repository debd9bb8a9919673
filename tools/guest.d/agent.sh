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
    for try in 1 2 3 4 5 6 7 8 9 10; do
      for p in /sys/class/virtio-ports/*; do
        if [ "$(cat $p/name 2>/dev/null)" = "org.qemu.guest_agent.0" ]; then
          exec /usr/sbin/qemu-ga -m virtio-serial -p /dev/${p##*/} -t /tmp \
            -f /tmp/qemu-ga.pid 2>/dev/console
        fi
      done
      sleep 0.2
    done
  ) &
  ;;
esac
