#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# netns/topo.sh: the tests' topology built by hand in named namespaces.
#
# Most tests need root and skip without it. Each test has its own --name
# prefix (bats pid + test number), and teardown always runs `down` and fails
# the test if a namespace is left behind, so nothing survives a failed test.
# No sleeps: topo.sh returns once the links are ready.

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
bats_require_minimum_version 1.5.0
load assert_helpers

MAC0=02:70:73:6b:00:00
MAC1=02:70:73:6b:00:01

setup() {
	TOPO="$BATS_TEST_DIRNAME/../netns/topo.sh"
	P="pskbats$$-$BATS_TEST_NUMBER"
	MAIN="$P-main"
	PEER="$P-peer"
}

teardown() {
	[ "$(id -u)" = 0 ] || return 0
	"$TOPO" down --name "$P" >/dev/null 2>&1 || true
	if ns_listed "$MAIN" || ns_listed "$PEER"; then
		echo "teardown: namespaces of $P left behind: $(ip netns list | tr '\n' ' ')" >&2
		ip netns del "$MAIN" 2>/dev/null || true
		ip netns del "$PEER" 2>/dev/null || true
		return 1
	fi
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root: topo.sh creates named network namespaces"
}

ns_listed() { # NAME
	ip netns list | awk '{ print $1 }' | grep -qxF -- "$1"
}

refute_ns() { # NAME
	if ns_listed "$1"; then
		echo "namespace $1 exists" >&2
		return 1
	fi
}

# Interface names of the initial namespace, one a line, sorted.
init_links() {
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
}

# A link exists in NS, is up with carrier, and has MAC (when given).
assert_link_up() { # NS DEV [MAC]
	local line
	line=$(ip -n "$1" -o link show dev "$2") || { echo "$2 missing in $1" >&2; return 1; }
	assert_match "$line" '<([^>]*,)?UP,LOWER_UP[,>]'
	[ -z "${3:-}" ] || assert_match "$line" "link/ether $3 "
}

refute_link() { # NS DEV
	if ip -n "$1" link show dev "$2" >/dev/null 2>&1; then
		echo "$2 unexpectedly present in $1" >&2
		return 1
	fi
}

up() { # OPTIONS...: topo.sh up --name $P OPTIONS, which must succeed
	run --separate-stderr "$TOPO" up --name "$P" "$@"
	[ "$status" -eq 0 ] || { echo "up $*: exit $status: $stderr" >&2; return 1; }
}

# up, skipping the test when the kernel has no VLAN support.
up_vlan() { # OPTIONS...
	run --separate-stderr "$TOPO" up --name "$P" "$@"
	if [ "$status" -ne 0 ] && [[ $stderr == *"no VLAN support"* ]]; then
		skip "kernel without 802.1Q VLAN support (CONFIG_VLAN_8021Q)"
	fi
	[ "$status" -eq 0 ] || { echo "up $*: exit $status: $stderr" >&2; return 1; }
}

@test "--help prints the usage and exits 0" {
	run "$TOPO" --help
	[ "$status" -eq 0 ]
	assert_match "$output" 'usage: netns/topo.sh'
	for word in up down exec status --peer-ns --queues --mtu --vlan --8021ad --addrs --name; do
		assert_match "$output" "$word"
	done
	run "$TOPO" up -h
	[ "$status" -eq 0 ]
	assert_match "$output" 'usage:'
}

@test "usage errors exit 2 with a message and create nothing" {
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086 # word splitting of the case is intended
		run --separate-stderr "$TOPO" $args
		[ "$status" -eq 2 ] || { echo "'$args': exit $status, want 2" >&2; return 1; }
		assert_match "$stderr" '^topo.sh: |^usage:'
	done <<EOF

bogus
up --bogus --name $P
up --name $P --mtu
up --name $P --mtu abc
up --name $P --mtu -5
up --name $P --queues 0
up --name $P --vlan 0
up --name $P --vlan 4095
up --name $P --8021ad
up --name $P --peer
up --name $P extra
up --name a/b
up --name -x
down --name $P --addrs
exec --name $P
exec --name $P --bogus -- true
status --name $P --peer-ns
EOF
	run --separate-stderr "$TOPO" up --name
	[ "$status" -eq 2 ]
	if [ "$(id -u)" = 0 ]; then
		refute_ns "$MAIN"
		refute_ns "$PEER"
	fi
}

@test "without root: one clear line, exit 1" {
	need_root	# to drop to an unprivileged user
	command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TOPO" up --name "$P"
	[ "$status" -eq 1 ]
	assert_match "$stderr" '^topo.sh: needs root'
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	refute_ns "$MAIN"
}

@test "up: psk0 and psk1 up in the main namespace, with the fixed MACs" {
	need_root
	up
	ns_listed "$MAIN"
	refute_ns "$PEER"	# the peer namespace only comes with --peer-ns
	assert_link_up "$MAIN" psk0 "$MAC0"
	assert_link_up "$MAIN" psk1 "$MAC1"
	run ip -n "$MAIN" -d -o link show dev psk0
	assert_match "$output" ' mtu 1500 '
	assert_match "$output" 'numtxqueues 1 numrxqueues 1'
	assert_link_up "$MAIN" lo
	# quiet: IPv6 off, no address at all on the veth
	run "$TOPO" exec --name "$P" -- cat /proc/sys/net/ipv6/conf/all/disable_ipv6 \
		/proc/sys/net/ipv6/conf/default/disable_ipv6 /proc/sys/net/ipv6/conf/psk0/disable_ipv6
	[ "$status" -eq 0 ]
	[ "$output" = $'1\n1\n1' ]
	run ip -n "$MAIN" addr show dev psk0
	assert_no_match "$output" 'inet'
}

@test "exec runs the command in the namespace and passes its exit status" {
	need_root
	up
	run "$TOPO" exec --name "$P" -- ip -o link show psk0
	[ "$status" -eq 0 ]
	assert_match "$output" "psk0.*link/ether $MAC0"
	run "$TOPO" exec --name "$P" ip -o link show psk1	# "--" is optional
	[ "$status" -eq 0 ]
	assert_match "$output" "psk1.*link/ether $MAC1"
	run "$TOPO" exec --peer --name "$P" -- ip -o link show psk1	# psk1 is in main
	[ "$status" -eq 0 ]
	run "$TOPO" exec --name "$P" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "exec on a topology that is not up fails clearly" {
	need_root
	run --separate-stderr "$TOPO" exec --name "$P" -- true
	[ "$status" -eq 1 ]
	assert_match "$stderr" "not up.*$MAIN"
}

@test "--peer-ns puts psk1 in the peer namespace" {
	need_root
	up --peer-ns
	ns_listed "$MAIN"
	ns_listed "$PEER"
	assert_link_up "$MAIN" psk0 "$MAC0"
	assert_link_up "$PEER" psk1 "$MAC1"
	refute_link "$MAIN" psk1
	refute_link "$PEER" psk0
	run "$TOPO" exec --peer --name "$P" -- ip -o link show psk1
	[ "$status" -eq 0 ]
	assert_match "$output" "psk1.*link/ether $MAC1"
	run "$TOPO" exec --peer --name "$P" -- cat /proc/sys/net/ipv6/conf/default/disable_ipv6
	[ "$output" = 1 ]
	run "$TOPO" exec --name "$P" -- ip link show psk1
	[ "$status" -ne 0 ]
}

@test "--mtu and --queues apply to both ends" {
	need_root
	up --peer-ns --mtu 9000 --queues 4
	run ip -n "$MAIN" -d -o link show dev psk0
	assert_match "$output" ' mtu 9000 '
	assert_match "$output" 'numtxqueues 4 numrxqueues 4'
	run ip -n "$PEER" -d -o link show dev psk1
	assert_match "$output" ' mtu 9000 '
	assert_match "$output" 'numtxqueues 4 numrxqueues 4'
}

@test "--vlan VID creates psk0.VID and psk1.VID (802.1Q)" {
	need_root
	up_vlan --peer-ns --vlan 100
	assert_link_up "$MAIN" psk0.100 "$MAC0"
	assert_link_up "$PEER" psk1.100 "$MAC1"
	run ip -n "$MAIN" -d -o link show dev psk0.100
	assert_match "$output" 'vlan protocol 802.1Q id 100 '
	run ip -n "$PEER" -d -o link show dev psk1.100
	assert_match "$output" 'vlan protocol 802.1Q id 100 '
}

@test "--vlan VID --8021ad makes 802.1ad sub-interfaces" {
	need_root
	up_vlan --vlan 4094 --8021ad
	assert_link_up "$MAIN" psk0.4094
	assert_link_up "$MAIN" psk1.4094
	run ip -n "$MAIN" -d -o link show dev psk0.4094
	assert_match "$output" 'vlan protocol 802.1ad id 4094 '
	run ip -n "$MAIN" -d -o link show dev psk1.4094
	assert_match "$output" 'vlan protocol 802.1ad id 4094 '
}

@test "--addrs: addresses, static neighbours, no link-local, no RA" {
	need_root
	up --peer-ns --addrs
	run ip -n "$MAIN" addr show dev psk0
	assert_match "$output" 'inet 198\.51\.100\.1/24 '
	assert_match "$output" 'inet6 2001:db8::1/64 '
	assert_no_match "$output" 'fe80:'
	run ip -n "$PEER" addr show dev psk1
	assert_match "$output" 'inet 198\.51\.100\.2/24 '
	assert_match "$output" 'inet6 2001:db8::2/64 '
	assert_no_match "$output" 'fe80:'
	run ip -n "$MAIN" neigh show dev psk0
	assert_match "$output" "198\.51\.100\.2 lladdr $MAC1 PERMANENT"
	assert_match "$output" "2001:db8::2 lladdr $MAC1 PERMANENT"
	run ip -n "$PEER" neigh show dev psk1
	assert_match "$output" "198\.51\.100\.1 lladdr $MAC0 PERMANENT"
	assert_match "$output" "2001:db8::1 lladdr $MAC0 PERMANENT"
	run "$TOPO" exec --peer --name "$P" -- cat /proc/sys/net/ipv6/conf/psk1/disable_ipv6 \
		/proc/sys/net/ipv6/conf/psk1/accept_ra
	[ "$output" = $'0\n0' ]
}

@test "--addrs: UDP from psk0's side reaches psk1, with no ARP" {
	need_root
	up --peer-ns --addrs
	local rx=/sys/class/net/psk1/statistics/rx_packets before after
	before=$("$TOPO" exec --peer --name "$P" -- cat "$rx")
	# bash's /dev/udp: three datagrams each over IPv4 and IPv6, to the discard port
	# shellcheck disable=SC2016 # $i is the inner bash's
	"$TOPO" exec --name "$P" -- bash -c 'for i in 1 2 3; do
		echo "$i" >/dev/udp/198.51.100.2/9 && echo "$i" >/dev/udp/2001:db8::2/9 || exit 1
	done'
	after=$("$TOPO" exec --peer --name "$P" -- cat "$rx")
	[ "$after" -ge $((before + 6)) ] || { echo "psk1 rx_packets $before -> $after" >&2; return 1; }
	# the static entries were used as they are: no resolution happened
	run ip -n "$MAIN" neigh show dev psk0
	assert_no_match "$output" 'REACHABLE|STALE|DELAY|PROBE|INCOMPLETE|FAILED'
}

@test "--addrs: ping from psk0's side to 198.51.100.2 and 2001:db8::2" {
	need_root
	up --peer-ns --addrs
	command -v ping >/dev/null || skip "ping not installed (Debian package iputils-ping)"
	run "$TOPO" exec --name "$P" -- ping -c1 -W1 198.51.100.2
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	run "$TOPO" exec --name "$P" -- ping -6 -c1 -W1 2001:db8::2
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

@test "a second up fails clearly and leaves the first one alone" {
	need_root
	up --peer-ns
	run --separate-stderr "$TOPO" up --name "$P"
	[ "$status" -eq 1 ]
	assert_match "$stderr" "already exists"
	assert_match "$stderr" "down --name $P"
	run --separate-stderr "$TOPO" up --name "$P" --peer-ns --addrs
	[ "$status" -eq 1 ]
	ns_listed "$MAIN"
	ns_listed "$PEER"
	assert_link_up "$MAIN" psk0 "$MAC0"
	assert_link_up "$PEER" psk1 "$MAC1"
	run ip -n "$MAIN" addr show dev psk0
	assert_no_match "$output" 'inet'
}

@test "a failed up removes what it had created" {
	need_root
	run --separate-stderr "$TOPO" up --name "$P" --peer-ns --mtu 1000000
	[ "$status" -eq 1 ]
	assert_match "$stderr" 'failed'
	assert_match "$stderr" "removed what it had created"
	refute_ns "$MAIN"
	refute_ns "$PEER"
}

@test "down removes everything and is a no-op when repeated" {
	need_root
	up --peer-ns --addrs
	run "$TOPO" down --name "$P"
	[ "$status" -eq 0 ]
	refute_ns "$MAIN"
	refute_ns "$PEER"
	[ ! -e "/run/netns/$MAIN" ]
	[ ! -e "/run/netns/$PEER" ]
	run "$TOPO" down --name "$P"
	[ "$status" -eq 0 ]
	assert_match "$output" 'nothing to do'
}

@test "status shows the topology, or that it is not up" {
	need_root
	run "$TOPO" status --name "$P"
	[ "$status" -eq 0 ]
	assert_match "$output" 'not up'
	up --peer-ns --addrs --mtu 2000
	run "$TOPO" status --name "$P"
	[ "$status" -eq 0 ]
	assert_match "$output" "namespace $MAIN:"
	assert_match "$output" "psk0 .* mtu 2000 $MAC0"
	assert_match "$output" "namespace $PEER:"
	assert_match "$output" "psk1 .* mtu 2000 $MAC1"
	assert_match "$output" '198\.51\.100\.2/24'
}

@test "the initial namespace is left as it was" {
	need_root
	local before during after sysctls_before sysctls_after
	local s=/proc/sys/net/ipv6/conf
	before=$(init_links)
	sysctls_before=$(cat $s/all/disable_ipv6 $s/default/disable_ipv6 $s/default/accept_ra \
		$s/default/autoconf $s/default/accept_dad $s/default/addr_gen_mode 2>&1 || true)
	up --peer-ns --addrs --mtu 2000 --queues 2
	during=$(init_links)
	run "$TOPO" down --name "$P"
	[ "$status" -eq 0 ]
	after=$(init_links)
	sysctls_after=$(cat $s/all/disable_ipv6 $s/default/disable_ipv6 $s/default/accept_ra \
		$s/default/autoconf $s/default/accept_dad $s/default/addr_gen_mode 2>&1 || true)
	[ "$before" = "$during" ] || { diff <(echo "$before") <(echo "$during") >&2; return 1; }
	[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; return 1; }
	[ "$sysctls_before" = "$sysctls_after" ]
	assert_no_match "$before" 'psk'
}
