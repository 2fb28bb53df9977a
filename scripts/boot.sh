#!/usr/bin/env bash
# Boot one test guest under QEMU (TCG), then judge the run. The one way every
# guest of `make check`, `make demo` and the harness self-tests is judged.
#
# Usage: scripts/boot.sh [--accel ACCEL] [--smp N] [--qemu-arg ARG]...
#                        [--mode check|demo] [--live]
#                        KERNEL_ENV INITRAMFS OUTDIR [TIMEOUT_S] [EXTRA_KERNEL_ARGS]
#   --accel     QEMU accelerator (default tcg, or $KPC_ACCEL): a case header
#               "# accel: tcg,thread=single" asks for one host thread (README)
#   --smp       vCPUs (default 2)
#   --qemu-arg  one more word for QEMU (e.g. for make bench's -icount guest)
#   --mode      what the guest's /init runs (default check: the KTAP cases)
#   --live      also show the console on the terminal while the guest runs
#
# The guest has two serial ports, so that nothing a case prints can pass for
# a kernel line or the other way round:
#   ttyS0 -> OUTDIR/console.log  the kernel's console, nothing else
#   ttyS1 -> OUTDIR/ktap.log     the runner: KTAP, case output, then the kernel
#                                log buffer dumped at the end (split off into
#                                OUTDIR/dmesg.log), then the sentinel
# The run is clean only if:
#   - QEMU exited by itself before the timeout,
#   - the sentinel arrived (sent by the guest only after every case ran) and
#     its runner status agrees with the KTAP results,
#   - the KTAP plan is complete and every case is ok (or skipped),
#   - no kernel line, on the console or in the final log dump, is a splat
#     (every line is scanned: the console carries only the kernel),
#   - the kernel carries no taint besides O (out-of-tree) and E (unsigned).
# OUTDIR/verdict holds: passed, failed, skipped (cases + one for the guest
# run itself), reasons (words: not-ok incomplete no-plan no-sentinel runner
# no-dump timeout splat taint qemu), seconds and tainted.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"

accel=${KPC_ACCEL:-tcg} mode=check live='' smp=2 more=()
while [ $# -gt 0 ]; do
	case $1 in
	--accel) accel=${2:?--accel needs a value}; shift 2 ;;
	--smp) smp=${2:?--smp needs a value}; shift 2 ;;
	--qemu-arg) more+=("${2:?--qemu-arg needs a value}"); shift 2 ;;
	--mode) mode=${2:?--mode needs a value}; shift 2 ;;
	--live) live=1; shift ;;
	*) break ;;
	esac
done
kenv=${1:?usage: boot.sh [--accel A] [--mode M] [--live] KERNEL_ENV INITRAMFS OUTDIR [TIMEOUT] [ARGS]}
initrd=${2:?}
out=${3:?}
timeout_s=${4:-600}
extra=${5:-}

kdir_base=$(dirname "$kenv")
# shellcheck disable=SC1090
. "$kenv"
vmlinuz=$kdir_base/$KERNEL_VMLINUZ

# The machine per architecture. x86_64: the PC's COM1 and COM2. arm64: QEMU's
# virt board has one PL011 (ttyAMA0), which only gets the early log here
# (early.log: a crash before PCI is up is still seen); two PCI 16550s are
# ttyS0 and ttyS1 (SERIAL_8250_PCI is built into Debian's arm64 kernels).
# -cpu max with QEMU's own pointer-authentication algorithm: plain max
# emulates QARMA5 and boots about 4x slower.
case ${KERNEL_ARCH:-x86_64} in
x86_64)
	qemu=(qemu-system-x86_64)
	ports=(-serial "file:$out/console.log" -serial "file:$out/ktap.log")
	consoles=
	;;
arm64)
	# shellcheck disable=SC2054 # the commas are QEMU's
	qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on)
	# shellcheck disable=SC2054
	ports=(-serial "file:$out/early.log"
		-chardev "file,id=con,path=$out/console.log" -device pci-serial,chardev=con
		-chardev "file,id=ktap,path=$out/ktap.log" -device pci-serial,chardev=ktap)
	consoles="console=ttyAMA0"
	;;
*)
	echo "boot.sh: no guest for $KERNEL_ARCH kernels" >&2
	exit 2
	;;
esac

mkdir -p "$out"
rm -f "$out"/console.log "$out"/early.log "$out"/ktap.log "$out"/dmesg.log "$out"/verdict "$out"/qemu.log

# The last console= is /dev/console: ttyS0 on both.
append="$consoles $base_append loglevel=7 kpc.mode=$mode $extra"
start=$(date +%s)
timeout -k 5 "$timeout_s" "${qemu[@]}" -accel "$accel" -smp "$smp" "${qemu_args[@]}" "${more[@]}" -monitor none \
	-kernel "$vmlinuz" -initrd "$initrd" -append "$append" "${ports[@]}" \
	</dev/null >"$out/qemu.log" 2>&1 &
qpid=$!
if [ -n "$live" ]; then
	# The console as it comes, without the terminal escapes busybox sends.
	touch "$out/console.log"
	tail -n +1 -f --pid=$qpid "$out/console.log" |
		sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g'
fi
wait $qpid
qrc=$?
secs=$(($(date +%s) - start))

reasons=()
[ $qrc -eq 124 ] || [ $qrc -eq 137 ] && reasons+=(timeout)
[ $qrc -ne 0 ] && [ $qrc -ne 124 ] && [ $qrc -ne 137 ] && reasons+=(qemu)
for f in console ktap early; do
	[ $f = early ] && [ ! -e "$out/early.log" ] && continue
	touch "$out/$f.log"
	tr -d '\r' <"$out/$f.log" >"$out/$f.tmp" && mv "$out/$f.tmp" "$out/$f.log"
done
# The final log dump, out of the runner's file into its own.
dump=no
grep -aq '^KPC-DMESG-END$' "$out/ktap.log" && dump=yes
awk -v d="$out/dmesg.log" '
	/^KPC-DMESG-BEGIN$/ { in_dump = 1; printf "" > d; next }
	/^KPC-DMESG-END$/ { in_dump = 0; next }
	in_dump { print > d; next }
	{ print }' "$out/ktap.log" >"$out/ktap.tmp" && mv "$out/ktap.tmp" "$out/ktap.log"
touch "$out/dmesg.log"

# KTAP: plan, results, skips.
read -r plan passed failed skipped < <(awk '
	/^1\.\.[0-9]+$/ && plan == "" { plan = substr($0, 4) + 0 }
	/^ok [0-9]+ / { if ($0 ~ /# SKIP/) s++; else p++ }
	/^not ok [0-9]+ / { f++ }
	END { printf "%s %d %d %d\n", (plan == "" ? "none" : plan), p, f, s }' "$out/ktap.log")
[ "$failed" -gt 0 ] && reasons+=(not-ok)
if [ "$plan" = none ]; then
	reasons+=(no-plan)
elif [ $((passed + failed + skipped)) -lt "$plan" ]; then
	reasons+=(incomplete)
	failed=$((failed + plan - passed - failed - skipped))
fi

sentinel=$(grep -a '^KPC-HARNESS-END ' "$out/ktap.log" | tail -n 1)
[ -n "$sentinel" ] || reasons+=(no-sentinel)
if [ -n "$sentinel" ]; then
	tainted=$(echo "$sentinel" | sed -n 's/.* tainted=\([0-9][0-9]*\)$/\1/p')
	if [ -z "$tainted" ] || [ $((tainted & ~TAINT_OK)) -ne 0 ]; then
		reasons+=(taint)
	fi
	# The log dump comes before the sentinel: a run without it had part of
	# the kernel log unjudged.
	[ $dump = yes ] || reasons+=(no-dump)
	# The runner's own status must agree with the results it printed.
	runner=$(echo "$sentinel" | sed -n 's/.* runner=\([0-9][0-9]*\) .*/\1/p')
	if [ -z "$runner" ] || { [ "$runner" -eq 0 ] && [ "$failed" -gt 0 ]; } ||
		{ [ "$runner" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
		reasons+=(runner)
	fi
fi

# Every kernel line: the console, then the log buffer the guest dumped at
# the end (it holds what the console loglevel kept off the console).
splats=$( (find_splats "$out/console.log" | sed 's/^/console.log:/'
	find_splats "$out/dmesg.log" | sed 's/^/dmesg.log:/'
	[ ! -e "$out/early.log" ] || find_splats "$out/early.log" | sed 's/^/early.log:/') |
	head -n 20)
[ -n "$splats" ] && reasons+=(splat)

# The guest run itself counts as one test: it passes when the guest came
# back clean (sentinel, runner, no splat, no taint, no timeout).
integrity=ok
for r in "${reasons[@]}"; do
	case $r in not-ok | incomplete) ;; *) integrity=bad ;; esac
done
if [ $integrity = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

{
	echo "passed=$passed"
	echo "failed=$failed"
	echo "skipped=$skipped"
	echo "reasons=${reasons[*]}"
	echo "seconds=$secs"
	echo "tainted=${tainted:-unknown}"
	echo "accel=$accel"
} >"$out/verdict"

name=$(basename "$out")
if [ ${#reasons[@]} -eq 0 ]; then
	echo "  boot $name: clean run in ${secs}s (tainted=$tainted)"
	exit 0
fi

echo "  boot $name: FAILED (${reasons[*]}) after ${secs}s; full log: $out/console.log"
# The failing cases' own lines.
awk '
	/^# ---- / { block = ""; }
	{ block = block "    " $0 "\n" }
	/^not ok [0-9]+ / { printf "%s", block; block = "" }
	/^ok [0-9]+ / { block = "" }
	END { if (block != "" && block ~ /# ---- /) printf "%s", block }' "$out/ktap.log"
if [ -n "$splats" ]; then
	echo "    kernel splat lines:"
	printf '%s\n' "$splats" | sed 's/^/      /'
	first=$(echo "$splats" | sed -n '1s/^console\.log:\([0-9]*\):.*/\1/p')
	if [ -n "$first" ]; then
		echo "    console from the first splat on:"
		sed -n "$((first > 3 ? first - 3 : 1)),$((first + 40))p" "$out/console.log" | sed 's/^/      /'
	fi
else
	case " ${reasons[*]} " in
	*" no-sentinel "* | *" timeout "* | *" qemu "*)
		echo "    last console lines:"
		tail -n 25 "$out/console.log" | sed 's/^/      /'
		echo "    last runner lines:"
		tail -n 10 "$out/ktap.log" | sed 's/^/      /'
		;;
	esac
fi
[ -s "$out/qemu.log" ] && sed 's/^/      qemu: /' "$out/qemu.log"
[ -n "$sentinel" ] && echo "    sentinel: $sentinel"
exit 1
