# A counter on a virtio disk, for snapshot, checkpoint and backup tests: the
# disk whose serial is 'pyvirt-counter' (others are left alone) gets, every
# ~0.3 s, the next number in its first sector ("PYVIRT-COUNTER 00000042",
# direct I/O), printed on the console as "PYVIRT-GUEST-COUNTER 42".  It starts
# after the number already on the disk, so a guest booted from a reverted disk
# carries on from that disk's count.
(
  for i in $(seq 50); do
    for b in /sys/block/vd*; do
      [ "$(cat "$b/serial" 2>/dev/null)" = pyvirt-counter ] || continue
      d=/dev/${b##*/}
      n=$(head -c 23 "$d" 2>/dev/null | sed -n 's/^PYVIRT-COUNTER 0*\([0-9][0-9]*\)$/\1/p')
      if [ -n "$n" ]; then n=$((n+1)); else n=0; fi
      while true; do
        printf 'PYVIRT-COUNTER %08d\n' "$n" |
          dd of="$d" bs=512 count=1 conv=sync,notrunc,fsync oflag=direct 2>/dev/null
        echo "PYVIRT-GUEST-COUNTER $n"
        n=$((n+1))
        sleep 0.3
      done
    done
    sleep 0.1
  done
) &
