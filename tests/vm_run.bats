#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/vm-run as a user meets it: argument errors (an unknown option
# named, --kernel DIR, bounds) and missing tools (one line each, exit 2),
# and, when QEMU is installed, real boots under QEMU of Debian's 6.12: a
# small subset of the suite (-t version) landing in
# results/RUN_ID with the guest's release in RUN_ID, the same kernel as a
# bzImage with --modules, a kernel lacking 9p, the kernel's config checked
# against the config fragment (a warning per option it lacks, none for
# Debian's 6.12 with its modules), and a guest killed by
# --vm-timeout. The boots use TCG unless KVM works (a few seconds each
# under KVM, 10-30 s under TCG). Downloading 6.12 the first time needs apt.

# shellcheck disable=SC2154 # $stderr, $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

load results_helpers

VMRUN=$ROOT/scripts/vm-run
CACHE_DIR=${PSOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/psock}

setup() {
	OUT=$BATS_TEST_TMPDIR/out
	export TMPDIR=$BATS_TEST_TMPDIR
	unset PSOCK_BIN_DIR PSOCK_TIMEOUT_SCALE
}

teardown() {
	if [[ -n ${PLACED:-} ]]; then
		rm -rf -- "$ROOT/results/$PLACED"
		if [[ $(readlink "$ROOT/results/latest" 2>/dev/null) == "$PLACED" ]]; then
			if [[ -n ${LATEST_BEFORE:-} ]]; then
				ln -sfn -- "$LATEST_BEFORE" "$ROOT/results/latest"
			else
				rm -f -- "$ROOT/results/latest"
			fi
		fi
	fi
}

need_qemu() {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs qemu-system-x86)"
	[[ -x $ROOT/build/psock/version ]] || skip "build/psock/version not built (run make)"
}

# The unpacked Debian 6.12 (vm-run fetches it the first time).
debian_612() {
	local k
	k=$(compgen -G "$CACHE_DIR/kernels/6.12.*-amd64/root/boot/vmlinuz-*" | sort -V | tail -n1)
	if [[ -z $k ]]; then
		"$VMRUN" --kernel 6.12 --list >/dev/null 2>&1
		k=$(compgen -G "$CACHE_DIR/kernels/6.12.*-amd64/root/boot/vmlinuz-*" | sort -V | tail -n1)
	fi
	[[ -n $k ]] || skip "Debian's 6.12 kernel could not be fetched"
	KIMAGE=$k
	KROOT=${k%/boot/*}
	KREL=${k##*/vmlinuz-}
}

@test "argument errors: one line saying what is wrong, the usage, exit 2" {
	run -2 --separate-stderr "$VMRUN"
	assert_eq "scripts/vm-run: --kernel is required: a Debian series (6.1, 6.12) or a bzImage" "${stderr_lines[0]}" "no kernel"
	assert_eq "usage: scripts/vm-run --kernel 6.1|6.12|SERIES|PATH/bzImage [--modules DIR] [--accel kvm|tcg] [--vm-timeout S] [--append ARGS] [--guest NAME] [scripts/run options]" "${stderr_lines[1]}" "usage line"
	assert_eq "" "$output" "stdout"
	run -2 --separate-stderr "$VMRUN" --kernel
	assert_eq "scripts/vm-run: option --kernel needs a value" "${stderr_lines[0]}" "kernel without value"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 --accel xen
	assert_eq "scripts/vm-run: --accel wants kvm or tcg, not 'xen'" "${stderr_lines[0]}" "accel"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 --vm-timeout 0
	assert_eq "scripts/vm-run: --vm-timeout wants a number of seconds from 1 to 86400, not '0'" "${stderr_lines[0]}" "vm-timeout"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 --modules /
	assert_eq "scripts/vm-run: --modules goes with --kernel PATH/bzImage (Debian kernels bring their own)" "${stderr_lines[0]}" "modules with a series"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 -t
	assert_eq "scripts/vm-run: option -t needs a value" "${stderr_lines[0]}" "-t without value"
	run -0 "$VMRUN" --help
	assert_line_in "$output" "Boot another kernel under QEMU and run the suite (scripts/run) inside it."
	assert_line_in "$output" "directory on this machine. Any other option or argument is a usage error."
	assert_line_in "$output" "  --vm-timeout S      kill the guest after S seconds, 1 to 86400 (default"
}

@test "an unknown option is named, before and after --kernel; a stray argument too; exit 2" {
	local bogus="scripts/vm-run: unknown option '--bogus' (neither vm-run's nor scripts/run's; see scripts/vm-run --help)"
	run -2 --separate-stderr "$VMRUN" --bogus
	assert_eq "$bogus" "${stderr_lines[0]}" "--bogus alone"
	assert_eq 2 "${#stderr_lines[@]}" "stderr lines (the message, the usage)"
	assert_eq "" "$output" "stdout"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 --bogus -t version
	assert_eq "$bogus" "${stderr_lines[0]}" "--bogus after --kernel"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 version
	assert_eq "scripts/vm-run: unexpected argument 'version' (a kernel goes after --kernel, a test after -t)" "${stderr_lines[0]}" "stray argument"
}

@test "--kernel DIR says it is a directory; --vm-timeout is bounded; exit 2 before anything boots" {
	mkdir "$BATS_TEST_TMPDIR/linux"
	run -2 --separate-stderr "$VMRUN" --kernel "$BATS_TEST_TMPDIR/linux"
	assert_eq "scripts/vm-run: --kernel $BATS_TEST_TMPDIR/linux is a directory: give the kernel image file (in a kernel tree, arch/x86/boot/bzImage)" "${stderr_lines[0]}" "--kernel DIR"
	run -2 --separate-stderr "$VMRUN" --kernel="$BATS_TEST_TMPDIR/linux/" -t version
	assert_eq "scripts/vm-run: --kernel $BATS_TEST_TMPDIR/linux/ is a directory: give the kernel image file (in a kernel tree, arch/x86/boot/bzImage)" "${stderr_lines[0]}" "--kernel=DIR/"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 --vm-timeout 99999999999999999999
	assert_eq "scripts/vm-run: --vm-timeout wants a number of seconds from 1 to 86400, not '99999999999999999999'" "${stderr_lines[0]}" "--vm-timeout huge"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 --vm-timeout 86401
	assert_eq "scripts/vm-run: --vm-timeout wants a number of seconds from 1 to 86400, not '86401'" "${stderr_lines[0]}" "--vm-timeout 86401"
}

@test "scripts/run's bounds hold through vm-run, before anything boots" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
	[[ -x $ROOT/build/psock/version ]] || skip "build/psock/version not built (run make)"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 -j 99999999999999999999
	assert_eq "scripts/run: -j wants a number of jobs from 1 to 256, not '99999999999999999999'" "${stderr_lines[0]}" "-j huge"
	run -2 --separate-stderr "$VMRUN" --kernel 6.12 --timeout=99999999999999999999
	assert_eq "scripts/run: --timeout wants a number of seconds above 0 and at most 86400, not '99999999999999999999'" "${stderr_lines[0]}" "--timeout huge"
}

@test "kernel image errors: a missing file, a file that is not a bzImage, a missing --modules directory; a bad -t" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
	[[ -x $ROOT/build/psock/version ]] || skip "build/psock/version not built (run make)"
	run -2 --separate-stderr "$VMRUN" --kernel "$BATS_TEST_TMPDIR/bzImage"
	assert_eq "scripts/vm-run: --kernel $BATS_TEST_TMPDIR/bzImage: no such kernel image" "$stderr" "missing image"
	head -c 4096 /dev/zero >"$BATS_TEST_TMPDIR/zeros"
	run -2 --separate-stderr "$VMRUN" --kernel "$BATS_TEST_TMPDIR/zeros"
	assert_eq "scripts/vm-run: --kernel $BATS_TEST_TMPDIR/zeros: not a bzImage (no x86 boot header)" "$stderr" "not a bzImage"
	run -2 --separate-stderr "$VMRUN" --kernel "$BATS_TEST_TMPDIR/zeros" --modules "$BATS_TEST_TMPDIR/nowhere"
	assert_eq "scripts/vm-run: --modules $BATS_TEST_TMPDIR/nowhere: no such directory" "$stderr" "missing modules dir"
	# scripts/run's arguments are checked before anything boots.
	run -2 --separate-stderr "$VMRUN" --kernel "$BATS_TEST_TMPDIR/zeros" -t no_such_test
	assert_eq "scripts/run: -t 'no_such_test' matches no binary and no case in $ROOT/build/psock (see scripts/run --list)" "$stderr" "bad -t"
}

@test "no qemu: one line saying what to install, exit 2" {
	mkdir "$BATS_TEST_TMPDIR/bin"
	ln -s "$(command -v uname)" "$BATS_TEST_TMPDIR/bin/uname"
	ln -s "$(command -v dirname)" "$BATS_TEST_TMPDIR/bin/dirname"
	run -2 --separate-stderr env PATH="$BATS_TEST_TMPDIR/bin" "$BASH" "$VMRUN" --kernel 6.12
	assert_eq "scripts/vm-run: qemu-system-x86_64 not found: run scripts/deps (as root) to install qemu-system-x86" "$stderr" "stderr"
}

@test "Debian 6.12 boots and runs -t version: TAP on stdout, results/RUN_ID with the guest's release, console.log" {
	need_qemu
	debian_612
	LATEST_BEFORE=$(readlink "$ROOT/results/latest" 2>/dev/null || true)
	run --separate-stderr "$VMRUN" --kernel 6.12 -t version -j 2
	PLACED=$(readlink "$ROOT/results/latest" 2>/dev/null || true)
	[[ $PLACED != "$LATEST_BEFORE" ]] || PLACED=
	assert_eq 0 "$status" "exit status (stderr: $stderr)"
	# Debian's 6.12 has every option of config (=m ones in its module tree).
	assert_not_in "$stderr" "warning:"
	assert_line_in "$output" "TAP version 13"
	assert_line_in "$output" "ok 1 selftests: psock: version"
	n=$("$ROOT/scripts/run" --list -t version | wc -l)
	assert_match "${lines[-1]}" "^# psock: [0-9]+ passed, 0 failed, [0-9]+ skipped \($n cases in 1 binary\)"
	[[ $PLACED == [0-9]*-[0-9]*-"$KREL" ]] || { echo "RUN_ID '$PLACED' does not end in $KREL" >&2; return 1; }
	assert_eq "results in results/$PLACED" "$(grep -o 'results in .*' <<<"${lines[-1]}")" "where"
	assert_line_in "$stderr" "scripts/vm-run: kernel $KREL ($(grep -o '(kvm\|(tcg' <<<"$stderr" | head -n1 | tr -d '(')): results in results/$PLACED"
	R=$ROOT/results/$PLACED
	[[ -f $R/junit.xml && -f $R/logs/version.log && -s $R/console.log ]]
	grep -qx "  \"kernel\": \"$KREL\"," "$R/summary.json"
	assert_eq "$output" "$(cat "$R/tap.txt")" "tap.txt is what was printed"
	# Nothing left behind in results/ but the run.
	[[ -z $(compgen -G "$ROOT/results/.vm-run.*") ]]
}

@test "the same kernel as a bzImage with --modules (an INSTALL_MOD_PATH) runs one case into -o DIR" {
	need_qemu
	debian_612
	run --separate-stderr "$VMRUN" --kernel "$KIMAGE" --modules "$KROOT" -o "$OUT" \
		-t 'version:version.sock_raw.new_socket_is_v1'
	assert_eq 0 "$status" "exit status (stderr: $stderr)"
	# config-RELEASE next to the image, the =m options in --modules: no warning.
	assert_not_in "$stderr" "warning:"
	assert_line_in "$output" "# ok 1 version.sock_raw.new_socket_is_v1" || { cat -A "$OUT/console.log" >&2; false; }
	assert_match "${lines[-1]}" "^# psock: 1 passed, 0 failed, 0 skipped \(1 cases in 1 binary\) in [0-9.]+ s; results in $OUT\$"
	grep -qx "  \"kernel\": \"$KREL\"," "$OUT/summary.json"
	[[ -s $OUT/console.log ]]
	# the guest's runner renamed its files into place over 9p
	assert_eq "console.log junit.xml logs summary.json tap.txt " "$(ls -A "$OUT" | tr '\n' ' ')" "files of the run"
	run -0 "$ROOT/scripts/compare" "$OUT" "$OUT"
}

@test "a kernel without 9p (the bzImage without its modules): one line naming it, exit 2" {
	need_qemu
	debian_612
	run -2 --separate-stderr "$VMRUN" --kernel "$KIMAGE" -o "$OUT" -t version
	assert_line_in "$stderr" "scripts/vm-run: kernel $KREL has no 9p filesystem (CONFIG_9P_FS, CONFIG_NET_9P_VIRTIO): the guest cannot see the host"
	# Its config (config-RELEASE next to the image) has these =m: true warnings.
	local o
	for o in VETH VLAN_8021Q NET_SCH_TBF NET_SCH_NETEM NET_SCH_HTB; do
		assert_line_in "$stderr" "scripts/vm-run: warning: kernel $KREL lacks CONFIG_$o (=m in $KROOT/boot/config-$KREL, and no --modules given)"
	done
	assert_eq 5 "$(grep -c 'warning:' <<<"$stderr")" "warning lines"
	assert_eq "" "$output" "stdout"
	[[ ! -e $OUT/summary.json ]]
}

# A copy of Debian's 6.12 image in DIR with DIR/.config = its config without
# the options given; and a module tree MODS = its modules.dep without the
# modules given (the module files stay where they are).
fake_kernel() { # DIR MODS "OPTION..." "MODULE..."
	local dir=$1 mods=$2 o m
	mkdir -p "$dir" "$mods"
	cp "$KIMAGE" "$dir/bzImage"
	cp "$KROOT/boot/config-$KREL" "$dir/.config"
	for o in $3; do sed -i "/^CONFIG_$o=/d" "$dir/.config"; done
	cp "$KROOT/lib/modules/$KREL/modules.dep" "$mods/modules.dep"
	for m in $4; do sed -i "\|/$m\.ko[^:]*:|d" "$mods/modules.dep"; done
	ln -s "$KROOT/lib/modules/$KREL/kernel" "$mods/kernel"
}

@test "a kernel lacking options of config: one warning line each (not set, =m without its module), then the errors, before any boot" {
	need_qemu
	debian_612
	local k=$BATS_TEST_TMPDIR/k mods=$BATS_TEST_TMPDIR/mods
	# Without 9p the run stops before booting, after the warnings.
	fake_kernel "$k" "$mods" "NET_SCH_TBF 9P_FS" "8021q"
	run -2 --separate-stderr "$VMRUN" --kernel "$k/bzImage" --modules "$mods" -o "$OUT" -t version
	assert_eq "scripts/vm-run: warning: kernel $KREL lacks CONFIG_VLAN_8021Q (=m in $k/.config, but no module 8021q in $mods)
scripts/vm-run: warning: kernel $KREL lacks CONFIG_NET_SCH_TBF (not set in $k/.config)
scripts/vm-run: kernel $KREL lacks 9p (CONFIG_9P_FS is not set in $k/.config)" "$stderr" "stderr"
	assert_eq "" "$output" "stdout"
	[[ ! -e $OUT/console.log ]]
	# What the suite cannot do without is an error, not also a warning.
	rm -rf -- "$k" "$mods"
	fake_kernel "$k" "$mods" "PACKET USER_NS" ""
	run -2 --separate-stderr "$VMRUN" --kernel "$k/bzImage" --modules "$mods" -o "$OUT" -t version
	assert_eq "scripts/vm-run: warning: kernel $KREL lacks CONFIG_USER_NS (not set in $k/.config)
scripts/vm-run: kernel $KREL lacks AF_PACKET (CONFIG_PACKET is not set in $k/.config)" "$stderr" "stderr"
}

@test "a bzImage with no .config anywhere: one line saying the options are not checked" {
	need_qemu
	debian_612
	mkdir "$BATS_TEST_TMPDIR/k"
	cp "$KIMAGE" "$BATS_TEST_TMPDIR/k/bzImage"
	# A comma in -o stops the run before the boot (QEMU's -virtfs cannot take it).
	run -2 --separate-stderr "$VMRUN" --kernel "$BATS_TEST_TMPDIR/k/bzImage" -o "$BATS_TEST_TMPDIR/a,b" -t version
	assert_eq "scripts/vm-run: warning: no .config found for kernel $KREL (none in its build tree, next to it or in --modules DIR/build): the options of $ROOT/config are not checked" "${stderr_lines[0]}" "the warning"
	assert_line_in "$stderr" "scripts/vm-run: the results directory $BATS_TEST_TMPDIR/a,b contains a comma, which QEMU's -virtfs cannot take: use -o DIR"
}

@test "a guest still running after --vm-timeout is killed: exit 1, a failing vm-run:guest case, console.log kept" {
	need_qemu
	debian_612
	run -1 --separate-stderr "$VMRUN" --kernel 6.12 --vm-timeout 2 -o "$OUT" -t version
	assert_line_in "$stderr" "scripts/vm-run: kernel $KREL: guest killed after 2 s (--vm-timeout): see console.log; results in $OUT"
	[[ -f $OUT/console.log ]]
	grep -qF '{"binary": "vm-run", "name": "guest", "status": "fail", "duration": 0.000, "reason": "guest killed after 2 s (--vm-timeout): see console.log"}' "$OUT/summary.json"
	assert_eq "Bail out! guest killed after 2 s (--vm-timeout): see console.log" "$(tail -n1 "$OUT/tap.txt")" "tap.txt"
	# compare and report read it like any run.
	make_run "$BATS_TEST_TMPDIR/before" "$KREL" "vm-run guest pass"
	run -1 "$ROOT/scripts/compare" "$BATS_TEST_TMPDIR/before" "$OUT"
	assert_line_in "$output" "pass->fail  vm-run:guest  (guest killed after 2 s (--vm-timeout): see console.log)"
}

@test "a guest that dies while booting is booted once more, then reported failed with the panic line, exit 1" {
	need_qemu
	debian_612
	run -1 --separate-stderr "$VMRUN" --kernel 6.12 --append rdinit=/nonexistent -o "$OUT" -t version
	panic="Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"
	assert_line_in "$stderr" "scripts/vm-run: the guest died while booting ($panic): booting it again; that console is in console.log.1"
	assert_line_in "$stderr" "scripts/vm-run: kernel $KREL: guest ended without finishing the run ($panic): see console.log; results in $OUT"
	[[ -s $OUT/console.log && -s $OUT/console.log.1 ]]
	grep -qF "\"status\": \"fail\", \"duration\": 0.000, \"reason\": \"guest ended without finishing the run ($panic): see console.log\"}" "$OUT/summary.json"
}

@test "SIGTERM stops the guest at once: exit 143, no QEMU left" {
	need_qemu
	debian_612
	"$VMRUN" --kernel 6.12 -o "$OUT" -j 2 >/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	# Bounded wait (60 s) until the guest's run has begun.
	for ((i = 0; i < 600; i++)); do
		grep -q 'psock-vm: running' "$OUT/console.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'psock-vm: running' "$OUT/console.log"
	t0=$SECONDS
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_eq 143 "$status" "exit status"
	((SECONDS - t0 < 15)) || { echo "vm-run took $((SECONDS - t0)) s to stop" >&2; false; }
	assert_line_in "$(cat "$BATS_TEST_TMPDIR/err")" "scripts/vm-run: interrupted: guest stopped"
	[[ -z $(pgrep -f "mount_tag=results.*path=$OUT|path=$OUT,mount_tag=results") ]] || { pgrep -af "path=$OUT" >&2; false; }
}
