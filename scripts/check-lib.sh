# shellcheck shell=bash
# Shared by the parts of `make check` (sourced after scripts/common.sh).
# A part prints one line per test: "  ok    ...", "  FAIL  ..." or
# "  skip  ..."; scripts/check.sh counts those lines, nothing else.

nfail=0
ok() { echo "  ok    $*"; }
bad() { nfail=$((nfail + 1)); echo "  FAIL  $*"; }
skp() { echo "  skip  $*"; }

# header FILE KEY: the value of a case file's "# KEY: value" line.
header() { sed -n "s/^# $2:[[:space:]]*//p" "$1" | head -n 1; }

# verdict_get DIR KEY: a field of DIR/verdict (scripts/boot.sh); a guest
# whose verdict is missing (boot.sh itself failed) reads as "missing".
verdict_get() {
	if [ -f "$1/verdict" ]; then sed -n "s/^$2=//p" "$1/verdict"; else echo missing; fi
}
