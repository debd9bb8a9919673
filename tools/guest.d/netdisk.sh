# Network disk tests (rbd, iscsi): the disk whose serial is 'pyvirt-netdisk' is read
# (its first 32 bytes go to the console) and written (a marker at byte 4096) once.
(
  for i in $(seq 50); do
    for b in /sys/block/vd*; do
      [ "$(cat "$b/serial" 2>/dev/null)" = pyvirt-netdisk ] || continue
      d=/dev/${b##*/}
      echo "PYVIRT-NETDISK-READ $(head -c 32 "$d")"
      echo PYVIRT-NETDISK-WRITTEN | dd of="$d" bs=512 seek=8 conv=fsync 2>/dev/null
      echo "PYVIRT-NETDISK-DONE $?"
      exit 0
    done
    sleep 0.1
  done
) >/dev/console 2>&1 &
