#!/usr/bin/env bash
# Boot one test guest under QEMU (TCG), then judge the run.
#
# Usage: scripts/boot.sh KERNEL_ENV INITRAMFS OUTDIR [TIMEOUT_S] [EXTRA_KERNEL_ARGS]
#
# Writes OUTDIR/console.log (ttyS0: kernel log and runner output), OUTDIR/ktap.log
# (ttyS1: KTAP and the end-of-run sentinel) and OUTDIR/verdict, prints the
# result, and exits 0 only if the run is clean:
#   - QEMU exited by itself before the timeout,
#   - the sentinel arrived (sent by the guest only after every case ran),
#   - the KTAP plan is complete and every case is ok (or skipped),
#   - the console log holds no kernel splat,
#   - the kernel carries no taint besides O (out-of-tree) and E (unsigned).
# OUTDIR/verdict holds: passed, failed, skipped (cases + one for the guest
# run itself) and reasons (words: not-ok incomplete no-plan no-sentinel
# timeout splat taint qemu).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kenv=${1:?usage: boot.sh KERNEL_ENV INITRAMFS OUTDIR [TIMEOUT] [ARGS]}
initrd=${2:?}
out=${3:?}
timeout_s=${4:-600}
extra=${5:-}

# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
kdir_base=$(dirname "$kenv")
# shellcheck disable=SC1090
. "$kenv"
vmlinuz=$kdir_base/$KERNEL_VMLINUZ

mkdir -p "$out"
rm -f "$out"/console.log "$out"/ktap.log "$out"/verdict "$out"/qemu.log

append="$base_append loglevel=7 kpc.mode=check $extra"
start=$(date +%s)
timeout -k 5 "$timeout_s" "${qemu_cmd[@]}" -monitor none \
	-kernel "$vmlinuz" -initrd "$initrd" -append "$append" \
	-serial "file:$out/console.log" -serial "file:$out/ktap.log" \
	</dev/null >"$out/qemu.log" 2>&1
qrc=$?
secs=$(($(date +%s) - start))

reasons=()
[ $qrc -eq 124 ] || [ $qrc -eq 137 ] && reasons+=(timeout)
[ $qrc -ne 0 ] && [ $qrc -ne 124 ] && [ $qrc -ne 137 ] && reasons+=(qemu)
touch "$out/console.log" "$out/ktap.log"
tr -d '\r' <"$out/ktap.log" >"$out/ktap" && mv "$out/ktap" "$out/ktap.log"
tr -d '\r' <"$out/console.log" >"$out/console" && mv "$out/console" "$out/console.log"

sentinel=$(grep -a '^KPC-HARNESS-END ' "$out/ktap.log" | tail -n 1)
[ -n "$sentinel" ] || reasons+=(no-sentinel)
if [ -n "$sentinel" ]; then
	tainted=$(echo "$sentinel" | sed -n 's/.*tainted=\([0-9]*\).*/\1/p')
	if [ -z "$tainted" ] || [ $((tainted & ~TAINT_OK)) -ne 0 ]; then
		reasons+=(taint)
	fi
fi

# Our runner's diagnostics start with "# ": the kernel never writes those.
splats=$(find_splats "$out/console.log" | head -n 20)
[ -n "$splats" ] && reasons+=(splat)

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

# The guest run itself counts as one test: it passes when the guest came
# back clean (sentinel, no splat, no taint, no timeout).
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
	echo "    kernel splat lines in the console log:"
	echo "$splats" | sed 's/^/      /'
	first=${splats%%:*}
	echo "    console from the first splat on:"
	sed -n "$((first > 3 ? first - 3 : 1)),$((first + 40))p" "$out/console.log" | sed 's/^/      /'
else
	case " ${reasons[*]} " in
	*" no-sentinel "* | *" timeout "* | *" qemu "*)
		echo "    last console lines:"
		tail -n 25 "$out/console.log" | sed 's/^/      /'
		;;
	esac
fi
[ -s "$out/qemu.log" ] && sed 's/^/      qemu: /' "$out/qemu.log"
[ -n "$sentinel" ] && echo "    sentinel: $sentinel"
exit 1
