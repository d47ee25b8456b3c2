#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# netns/topo.sh: the tests' network topology, built by hand for a human at a
# shell: to run tcpdump on psk1 while trying a packet socket program on psk0,
# to replay by hand what a failing test did, or to look at the links with ip.
#
#     [PREFIX-main]                        [PREFIX-main, or PREFIX-peer with --peer-ns]
#     psk0  (02:70:73:6b:00:00)  <- veth ->  psk1  (02:70:73:6b:00:01)
#     psk0.VID (--vlan)                      psk1.VID (--vlan)
#
# It is the topology netns_setup() (netns/netns.h) gives every test case, with
# the same names, MACs, options and addresses. The tests use anonymous
# namespaces that die with the test process; a shell user needs namespaces that
# last between commands, so this script makes named ones with `ip netns add`
# (PREFIX defaults to "psock": psock-main, and psock-peer with --peer-ns).
# `down` deletes them, and everything inside goes with them.
#
# Nothing is ever created or changed in the initial namespace: the namespaces
# are made first, then the veth pair is created inside PREFIX-main with its
# peer end created straight into PREFIX-peer. Like the tests' namespaces these
# are quiet: IPv6 is disabled unless --addrs (then addresses are added with
# nodad, addrgenmode none and accept_ra 0: no autoconf, DAD or router
# solicitation), and neighbours are static (nud permanent), so no ARP is sent.
#
# Needs root. Run with --help for the commands and options.

set -uo pipefail

PROG=topo.sh
MAC0=02:70:73:6b:00:00
MAC1=02:70:73:6b:00:01
IP4_0=198.51.100.1
IP4_1=198.51.100.2
IP6_0=2001:db8::1
IP6_1=2001:db8::2
READY_TIMEOUT_MS=5000	# up: how long links may take to report operstate UP

usage() {
	cat <<'EOF'
usage: netns/topo.sh COMMAND [OPTIONS]

Build the tests' veth topology (see netns/netns.h) in named network
namespaces, for use from a shell. Needs root.

  up [--peer-ns] [--queues N] [--mtu N] [--vlan VID [--8021ad]] [--addrs] [--name PREFIX]
        create namespace PREFIX-main holding psk0 (02:70:73:6b:00:00) and
        psk1 (02:70:73:6b:00:01), a veth pair, both up
  down [--name PREFIX]
        delete PREFIX-main and PREFIX-peer, and everything in them
        (nothing there is not an error)
  exec [--peer] [--name PREFIX] [--] CMD [ARG...]
        run CMD inside PREFIX-main; --peer: inside the namespace holding psk1
        (PREFIX-peer with --peer-ns, else PREFIX-main)
  status [--name PREFIX]
        show the namespaces, their links, addresses and static neighbours
  -h, --help
        this text

Options of up:
  --peer-ns      psk1 in a second namespace, PREFIX-peer, so IP traffic
                 between the ends really crosses the veth
  --queues N     N rx and N tx queues on each veth end (default 1)
  --mtu N        MTU of psk0 and psk1 (default 1500)
  --vlan VID     add VLAN sub-interfaces psk0.VID and psk1.VID (VID 1-4094)
  --8021ad       the VLAN sub-interfaces use 802.1ad (S-tag), not 802.1Q
  --addrs        psk0 198.51.100.1/24 2001:db8::1/64, psk1 .2 and ::2, static
                 neighbours; without it IPv6 is disabled in the namespaces
  --name PREFIX  namespace name prefix (default psock; letters, digits, . _ -)

`up` on a topology that already exists fails (exit 1) and leaves it as it
is: run `down` first. A failed `up` removes what it had created.

Examples:
  netns/topo.sh up --peer-ns --addrs
  netns/topo.sh exec --peer -- tcpdump -eni psk1     # in one terminal
  netns/topo.sh exec -- ping -c1 198.51.100.2        # in another
  netns/topo.sh down

Exit status: 0 ok, 1 failure (not root, ip failed, already up, not up),
2 usage error; exec exits with CMD's status.
EOF
}

err() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { err "$@"; exit 1; }
usage_error() { err "$* (see --help)"; exit 2; }

ns_exists() { # NAME
	local n rest
	while read -r n rest; do
		[ "$n" = "$1" ] && return 0
	done < <(ip netns list 2>/dev/null)
	return 1
}

# ---------------------------------------------------------------- arguments

[ $# -gt 0 ] || { usage >&2; exit 2; }
cmd=$1
shift
case $cmd in
-h|--help|help) usage; exit 0 ;;
up|down|exec|status) ;;
*) usage_error "unknown command '$cmd'" ;;
esac

name=psock peer_ns=0 queues=1 mtu='' vlan='' qinq=0 addrs=0 in_peer=0

need_value() { # OPTION ARGS-AFTER-IT...
	[ $# -ge 2 ] || usage_error "$cmd: $1 needs a value"
}
is_uint() { [[ $1 =~ ^[1-9][0-9]{0,8}$ ]]; }

no_value() { # for flags: --flag=value is an error
	[ "$inline" = 0 ] || usage_error "$cmd: $opt takes no value"
}

while [ $# -gt 0 ]; do
	opt=$1 inline=0
	if [[ $opt == --*=* ]]; then	# --opt=value -> --opt value
		shift
		set -- "${opt%%=*}" "${opt#*=}" "$@"
		opt=$1 inline=1
	fi
	case $cmd:$opt in
	*:-h|*:--help) usage; exit 0 ;;
	*:--name) need_value "$@"; name=$2; shift 2 ;;
	up:--peer-ns) no_value; peer_ns=1; shift ;;
	up:--queues) need_value "$@"; queues=$2; shift 2
		is_uint "$queues" || usage_error "up: --queues wants a positive number, not '$queues'" ;;
	up:--mtu) need_value "$@"; mtu=$2; shift 2
		is_uint "$mtu" || usage_error "up: --mtu wants a positive number, not '$mtu'" ;;
	up:--vlan) need_value "$@"; vlan=$2; shift 2
		{ is_uint "$vlan" && [ "$vlan" -le 4094 ]; } ||
			usage_error "up: --vlan wants a VLAN id from 1 to 4094, not '$vlan'" ;;
	up:--8021ad) no_value; qinq=1; shift ;;
	up:--addrs) no_value; addrs=1; shift ;;
	exec:--peer) no_value; in_peer=1; shift ;;
	exec:--) shift; break ;;
	exec:-*) usage_error "exec: unknown option '$opt' (put the command after --)" ;;
	exec:*) break ;;	# the command starts here
	*:-*) usage_error "$cmd: unknown option '$opt'" ;;
	*) usage_error "$cmd: unexpected argument '$opt'" ;;
	esac
done

[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$ ]] ||
	usage_error "--name wants 1-50 letters, digits, '.', '_' or '-', starting with a letter or digit, not '$name'"
[ "$qinq" = 0 ] || [ -n "$vlan" ] || usage_error "up: --8021ad needs --vlan VID"
[ "$cmd" != exec ] || [ $# -gt 0 ] || usage_error "exec: no command given"

[ "$(id -u)" = 0 ] ||
	die "needs root (it creates named network namespaces with 'ip netns add'): try sudo"
command -v ip >/dev/null || die "'ip' not found: install iproute2"

ns_main=$name-main
ns_peer=$name-peer
name_opt=
[ "$name" = psock ] || name_opt=" --name $name"

# ---------------------------------------------------------------- up

created=()	# namespaces this run made: the only ones a failed up removes

up_fail() {
	local ns
	err "up: $*"
	for ns in "${created[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ ${#created[@]} -eq 0 ] || err "up: removed what it had created (${created[*]})"
	exit 1
}

run() { # CMD... : run it, or fail up with its message
	local out
	out=$("$@" 2>&1) || up_fail "'$*' failed: ${out//$'\n'/ }"
}

nsysctl() { # NS PATH-UNDER-/proc/sys VALUE
	local out
	# shellcheck disable=SC2016 # $1 and $2 are the inner sh's arguments
	out=$(ip netns exec "$1" sh -c 'echo "$2" >"/proc/sys/$1"' sh "$2" "$3" 2>&1) ||
		up_fail "cannot set $2 to $3 in $1: ${out//$'\n'/ }"
}

quiet_ns() { # NS: before any link exists in it
	local ns=$1 c
	if [ "$addrs" = 1 ]; then
		for c in all default; do
			nsysctl "$ns" "net/ipv6/conf/$c/disable_ipv6" 0
			nsysctl "$ns" "net/ipv6/conf/$c/accept_ra" 0
		done
		nsysctl "$ns" net/ipv6/conf/default/autoconf 0
		nsysctl "$ns" net/ipv6/conf/default/accept_dad 0
	elif [ -d /proc/sys/net/ipv6 ]; then
		for c in all default; do
			nsysctl "$ns" "net/ipv6/conf/$c/disable_ipv6" 1
		done
	fi
	run ip -n "$ns" link set lo up
}

link_ready() { # NS DEV: up, carrier, and operstate UP
	ip -n "$1" -o link show dev "$2" 2>/dev/null |
		grep -q '<[^>]*,LOWER_UP[,>].* state UP '
}

# A veth end gets carrier when its peer comes up, but its transmit queue is
# only activated afterwards, asynchronously, by the kernel's linkwatch worker;
# until then it drops what is sent. Querying one link syncs that work on
# kernels >= 6.7 (so the first check passes); older kernels report operstate
# UP from the same work item, so poll for it, with a deadline.
wait_ready() { # NS DEV [NS DEV]...
	local ms=0 i j pending
	while :; do
		pending=
		for ((i = 1; i < $#; i += 2)); do
			j=$((i + 1))
			link_ready "${!i}" "${!j}" || pending+=" ${!j} (${!i})"
		done
		[ -n "$pending" ] || return 0
		[ "$ms" -lt "$READY_TIMEOUT_MS" ] ||
			up_fail "link not ready after ${READY_TIMEOUT_MS} ms:$pending"
		sleep 0.01
		ms=$((ms + 10))
	done
}

end_addrs() { # NS DEV IP4 IP6 NEIGHBOUR-IP4 NEIGHBOUR-IP6 NEIGHBOUR-MAC
	run ip -n "$1" addr add "$3/24" dev "$2"
	run ip -n "$1" addr add "$4/64" dev "$2" nodad
	run ip -n "$1" neigh add "$5" lladdr "$7" dev "$2" nud permanent
	run ip -n "$1" neigh add "$6" lladdr "$7" dev "$2" nud permanent
}

do_up() {
	local ns1=$ns_main proto=802.1Q ns out
	local a0=(address "$MAC0" numtxqueues "$queues" numrxqueues "$queues")
	local a1=(address "$MAC1" numtxqueues "$queues" numrxqueues "$queues")

	for ns in "$ns_main" "$ns_peer"; do
		ns_exists "$ns" &&
			die "up: namespace $ns already exists: run 'netns/topo.sh down$name_opt' first, or pick another --name"
	done
	if [ "$addrs" = 1 ] && [ ! -d /proc/sys/net/ipv6 ]; then
		die "up: --addrs needs IPv6, which this kernel does not have (booted with ipv6.disable=1?)"
	fi
	trap 'up_fail interrupted' INT TERM HUP

	run ip netns add "$ns_main"
	created+=("$ns_main")
	quiet_ns "$ns_main"
	if [ "$peer_ns" = 1 ]; then
		run ip netns add "$ns_peer"
		created+=("$ns_peer")
		quiet_ns "$ns_peer"
		ns1=$ns_peer
		a1+=(netns "$ns_peer")
	fi
	if [ -n "$mtu" ]; then
		a0+=(mtu "$mtu")
		a1+=(mtu "$mtu")
	fi

	run ip -n "$ns_main" link add psk0 "${a0[@]}" type veth peer name psk1 "${a1[@]}"
	if [ "$addrs" = 1 ]; then
		run ip -n "$ns_main" link set psk0 addrgenmode none
		run ip -n "$ns1" link set psk1 addrgenmode none
	fi
	run ip -n "$ns1" link set psk1 up
	run ip -n "$ns_main" link set psk0 up
	wait_ready "$ns_main" psk0 "$ns1" psk1

	# After psk0/psk1 are up, so the VLANs start with their carrier.
	if [ -n "$vlan" ]; then
		[ "$qinq" = 0 ] || proto=802.1ad
		out=$(ip -n "$ns_main" link add link psk0 name "psk0.$vlan" type vlan protocol "$proto" id "$vlan" 2>&1) || {
			case $out in
			*"Unknown device type"*)
				up_fail "--vlan: this kernel has no VLAN support (CONFIG_VLAN_8021Q, module 8021q)" ;;
			*)
				up_fail "'ip -n $ns_main link add link psk0 name psk0.$vlan type vlan protocol $proto id $vlan' failed: ${out//$'\n'/ }" ;;
			esac
		}
		run ip -n "$ns1" link add link psk1 name "psk1.$vlan" type vlan protocol "$proto" id "$vlan"
		if [ "$addrs" = 1 ]; then
			run ip -n "$ns_main" link set "psk0.$vlan" addrgenmode none
			run ip -n "$ns1" link set "psk1.$vlan" addrgenmode none
		fi
		run ip -n "$ns_main" link set "psk0.$vlan" up
		run ip -n "$ns1" link set "psk1.$vlan" up
		wait_ready "$ns_main" "psk0.$vlan" "$ns1" "psk1.$vlan"
	fi

	if [ "$addrs" = 1 ]; then
		end_addrs "$ns_main" psk0 "$IP4_0" "$IP6_0" "$IP4_1" "$IP6_1" "$MAC1"
		end_addrs "$ns1" psk1 "$IP4_1" "$IP6_1" "$IP4_0" "$IP6_0" "$MAC0"
	fi
	trap - INT TERM HUP

	echo "$name: up. Enter with: netns/topo.sh exec$name_opt -- \$SHELL   (--peer for psk1's side)"
	do_status
}

# ---------------------------------------------------------------- down

do_down() {
	local ns pids found=0 rc=0 out
	for ns in "$ns_peer" "$ns_main"; do
		ns_exists "$ns" || continue
		found=1
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[ -z "$pids" ] ||
			err "down: processes still in $ns (pids ${pids% }): its links live on until they exit"
		if out=$(ip netns del "$ns" 2>&1); then
			echo "deleted namespace $ns"
		else
			err "down: 'ip netns del $ns' failed: ${out//$'\n'/ }"
			rc=1
		fi
	done
	[ "$found" = 1 ] || echo "$name: not up (no namespace $ns_main or $ns_peer): nothing to do"
	return "$rc"
}

# ---------------------------------------------------------------- exec

do_exec() {
	local target=$ns_main
	ns_exists "$ns_main" || die "exec: $name is not up (no namespace $ns_main): run 'netns/topo.sh up$name_opt' first"
	if [ "$in_peer" = 1 ] && ns_exists "$ns_peer"; then
		target=$ns_peer
	fi
	exec ip netns exec "$target" "$@"
}

# ---------------------------------------------------------------- status

show_ns() { # NS
	local ns=$1
	echo "namespace $ns:"
	# name, flags, mtu, MAC, and VLAN protocol/id, queues from the details
	ip -n "$ns" -o -d link show | awk '{
		dev = $2; sub(/:$/, "", dev); sub(/@.*/, "", dev)
		line = sprintf("  %-12s %s", dev, $3)
		for (i = 4; i < NF; i++) {
			if ($i == "mtu") line = line " mtu " $(i + 1)
			else if ($i == "link/ether") line = line " " $(i + 1)
			else if ($i == "vlan" && $(i + 1) == "protocol")
				line = line " vlan " $(i + 2) " id " $(i + 4)
			else if ($i == "numtxqueues") line = line " queues " $(i + 1)
		}
		print line
	}'
	ip -n "$ns" -br addr show | awk 'NF > 2 { a = $1; sub(/@.*/, "", a)
		$1 = $2 = ""; sub(/^ +/, ""); printf "  addresses on %s: %s\n", a, $0 }'
	ip -n "$ns" neigh show nud permanent | sed 's/^/  neighbour /'
	if [ -r /proc/sys/net/ipv6 ] &&
		[ "$(ip netns exec "$ns" cat /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null)" = 1 ]; then
		echo "  IPv6 disabled"
	fi
}

do_status() {
	local ns others=() n rest
	if ! ns_exists "$ns_main" && ! ns_exists "$ns_peer"; then
		echo "$name: not up (no namespace $ns_main)"
	else
		for ns in "$ns_main" "$ns_peer"; do
			ns_exists "$ns" && show_ns "$ns"
		done
	fi
	while read -r n rest; do
		[ "$n" = "$ns_main" ] || [ "$n" = "$ns_peer" ] || others+=("$n")
	done < <(ip netns list 2>/dev/null)
	[ ${#others[@]} -eq 0 ] || echo "other named namespaces: ${others[*]}"
	return 0
}

case $cmd in
up) do_up ;;
down) do_down ;;
exec) do_exec "$@" ;;
status) do_status ;;
esac
