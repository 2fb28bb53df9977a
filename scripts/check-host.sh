#!/usr/bin/env bash
# `make check`, the host part: code the module shares with host programs,
# tested without a kernel (tests/host/):
#   - the kprobe_events parser against its table of lines (gcc, with
#     AddressSanitizer and UBSan);
#   - the same table must fail for each of a few deliberate parser bugs
#     (so that it can fail);
#   - the parser's fuzz target for FUZZ_SECONDS (default 60) from the
#     checked-in seed corpus (clang's libFuzzer, ASan, UBSan): a crash, a
#     leak, undefined behaviour or a broken invariant fails.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"
out=$top/results/host
rm -rf "$out"
mkdir -p "$out"
parser=kprobe_core/events_parse.c
san=("-fsanitize=address,undefined" -fno-sanitize-recover=all)
cflags=(-std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-unused-parameter -g -Itests/host)

# build_table OUT PARSER.c: the table program over that parser source
build_table() {
	gcc "${cflags[@]}" "${san[@]}" -I"$(dirname "$2")" -Ikprobe_core -o "$1" \
		tests/host/events_parse_test.c "$2" >"$1.log" 2>&1
}

if ! build_table "$out/events_parse_test" "$parser"; then
	sed 's/^/        /' "$out/events_parse_test.log" | head -n 30
	bad "events parser table: does not build (log: $out/events_parse_test.log)"
elif "$out/events_parse_test" >"$out/events_parse_test.tap" 2>&1; then
	ok "events parser table: $(tail -n 1 "$out/events_parse_test.tap" | sed 's/^# //')"
else
	grep -A4 '^not ok' "$out/events_parse_test.tap" | head -n 40 | sed 's/^/        /'
	bad "events parser table: $(tail -n 1 "$out/events_parse_test.tap" | sed 's/^# //') (log: $out/events_parse_test.tap)"
fi

# Deliberate parser bugs: name | exact text | replacement. Each must turn
# the table red.
mutants=(
	"caret-off-by-one|kpe_log(st, offs + 1, KPE_E_BAD_IMM)|kpe_log(st, offs, KPE_E_BAD_IMM)"
	"stack-limit-off-by-one|if (param > env->max_stack) {|if (param > env->max_stack + 1) {"
	"maxactive-zero-accepted|!cmd->maxactive) {|0) {"
	"arg-name-limit-off-by-one|if (body - arg > KPE_ARG_NAME_MAX) {|if (body - arg > KPE_ARG_NAME_MAX + 1) {"
	"trailing-text-ignored|if (tmp[1]) {|if (0) {"
	"array-loop-one-short|code->param = parg->count;|code->param = parg->count - 1;"
	"deref-offset-dropped|		code->op = deref;\n		code->offset = offset;|		code->op = deref;\n		code->offset = 0;"
	"retval-on-entry-accepted|if (st->is_return) {\n\t\t\tcode->op = KPE_OP_RETVAL;|if (1) {\n\t\t\tcode->op = KPE_OP_RETVAL;"
)
caught=0 missed=()
for m in "${mutants[@]}"; do
	IFS='|' read -r name from to <<<"$m"
	mdir=$out/mutant-$name
	mkdir -p "$mdir"
	cp kprobe_core/events_parse.h "$mdir/"
	# (\n and \t in a mutant's text are a newline and a tab)
	FROM=$from TO=$to perl -0pe 'BEGIN { ($f, $t) = map { s/\\n/\n/g; s/\\t/\t/g; $_ } ($ENV{FROM}, $ENV{TO}) }
		s/\Q$f\E/$t/ or die "no match\n"' \
		"$parser" >"$mdir/events_parse.c" 2>"$mdir/apply.log" || { missed+=("$name(no match)"); continue; }
	if ! build_table "$mdir/t" "$mdir/events_parse.c"; then
		missed+=("$name(build)")
	elif "$mdir/t" >"$mdir/t.tap" 2>&1; then
		missed+=("$name")
	else
		caught=$((caught + 1))
	fi
done
if [ ${#missed[@]} -eq 0 ]; then
	ok "events parser table fails for each of ${#mutants[@]} deliberate parser bugs"
else
	bad "events parser table passed with deliberate bugs: ${missed[*]} (caught $caught of ${#mutants[@]})"
fi

secs=${FUZZ_SECONDS:-60}
if ! command -v clang >/dev/null; then
	bad "events parser fuzzing: no clang (make deps)"
elif ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Itests/host \
	-o "$out/fuzz_events_parse" tests/host/fuzz_events_parse.c "$parser" >"$out/fuzz-build.log" 2>&1; then
	sed 's/^/        /' "$out/fuzz-build.log" | head -n 20
	bad "events parser fuzzing: the target does not build (log: $out/fuzz-build.log)"
else
	# a copy: what libFuzzer adds to its corpus stays out of the tree
	cp -r tests/host/corpus "$out/corpus"
	if (cd "$out" && ./fuzz_events_parse -max_total_time="$secs" -max_len=4200 \
		-print_final_stats=1 corpus >fuzz.log 2>&1); then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
		ok "events parser fuzzing: ${runs:-?} inputs in ${secs}s from $(find tests/host/corpus -type f | wc -l) seeds, no crash, leak or UB"
	else
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$out/fuzz.log" | head -n 10 | sed 's/^/        /'
		bad "events parser fuzzing: a failing input (log: $out/fuzz.log, input in $out)"
	fi
	# The fuzz build must catch a planted bug: a token buffer one byte short.
	mdir=$out/fuzz-mutant
	mkdir -p "$mdir"
	cp kprobe_core/events_parse.h "$mdir/"
	sed 's/cmd->buf = kmalloc(len + 1, GFP_KERNEL);/cmd->buf = kmalloc(len, GFP_KERNEL);/' "$parser" >"$mdir/events_parse.c"
	if cmp -s "$parser" "$mdir/events_parse.c"; then
		bad "events parser fuzzing: the planted bug does not apply"
	elif ! clang -g -O1 -fsanitize=fuzzer,address,undefined -Itests/host -I"$mdir" \
		-o "$mdir/fuzz" tests/host/fuzz_events_parse.c "$mdir/events_parse.c" >"$mdir/build.log" 2>&1; then
		bad "events parser fuzzing: the planted bug does not build (log: $mdir/build.log)"
	elif (cd "$mdir" && ./fuzz -runs=0 "$top/tests/host/corpus" >fuzz.log 2>&1); then
		bad "events parser fuzzing: a token buffer one byte short went unnoticed (log: $mdir/fuzz.log)"
	elif grep -q 'heap-buffer-overflow' "$mdir/fuzz.log"; then
		ok "events parser fuzzing: catches a planted overflow (a token buffer one byte short)"
	else
		bad "events parser fuzzing: the planted bug failed, but not as an overflow (log: $mdir/fuzz.log)"
	fi
fi
[ "$nfail" -eq 0 ]
