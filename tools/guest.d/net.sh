# Virtual network tests: when the guest has a NIC (eth0), DHCP with busybox udhcpc,
# then the checks the kernel command line asks for, each reported on the console:
#   PYVIRT-GUEST-IP <addr>/<bits> <router|-> <dns> the lease udhcpc got (or -NONE)
#   PYVIRT-GUEST-GW ok|fail                         ping of the router (if any)
#   PYVIRT-GUEST-HOST ok|fail                       ping of the DNS server (the host)
#   pyvirt.dns=NAME     -> PYVIRT-GUEST-DNS NAME <addr>|fail   (through the lease's DNS)
#   pyvirt.remote=ADDR  -> PYVIRT-GUEST-REMOTE ok|fail         (ping, through the router)
#   pyvirt.spoof=ADDR   -> PYVIRT-GUEST-SPOOF ok|fail          (ping of the router from a
#                                                              source address not leased)
# and PYVIRT-GUEST-NET-DONE at the end.
if [ -e /sys/class/net/eth0 ]; then
  cat > /tmp/udhcpc.sh <<'SH'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/$mask" dev "$interface"
gw=${router%% *}
# no router (an isolated network): route through the host anyway, as a guest
# trying to get out would; the network's firewall must stop it
ip route add default via "${gw:-${dns%% *}}"
echo "${gw:--} ${dns%% *}" > /tmp/lease
echo "PYVIRT-GUEST-IP $ip/$mask ${gw:--} ${dns%% *}" >/dev/console
SH
  chmod 755 /tmp/udhcpc.sh
  (
    ip link set lo up
    ip link set eth0 up
    udhcpc -i eth0 -n -q -t 15 -T 1 -x hostname:pyvirt-guest -s /tmp/udhcpc.sh \
      >/dev/null 2>&1 || echo "PYVIRT-GUEST-IP-NONE"
    read -r gw dns < /tmp/lease 2>/dev/null
    yes_no() { if "$@" >/dev/null 2>&1; then echo ok; else echo fail; fi; }
    [ "$gw" != - ] && echo "PYVIRT-GUEST-GW $(yes_no ping -c 1 -W 2 "$gw")"
    [ -n "$dns" ] && echo "PYVIRT-GUEST-HOST $(yes_no ping -c 1 -W 2 "$dns")"
    for w in $(cat /proc/cmdline); do
      case "$w" in
        pyvirt.dns=*)
          name=${w#*=}
          addr=$(nslookup "$name" "$dns" 2>/dev/null | sed -n 's/^Address: *\([0-9.]*\).*/\1/p' \
                 | grep -v "^$dns\$" | tail -n 1)
          echo "PYVIRT-GUEST-DNS $name ${addr:-fail}" ;;
        pyvirt.remote=*)
          echo "PYVIRT-GUEST-REMOTE $(yes_no ping -c 1 -W 2 "${w#*=}")" ;;
        pyvirt.spoof=*)
          ip addr add "${w#*=}/32" dev eth0
          echo "PYVIRT-GUEST-SPOOF $(yes_no ping -c 1 -W 2 -I "${w#*=}" "$gw")" ;;
      esac
    done
    echo "PYVIRT-GUEST-NET-DONE"
  ) >/dev/console 2>&1 &
fi
