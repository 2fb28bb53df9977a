#!/usr/bin/env bash
# `make check`, the host part: code the module shares with host programs,
# tested without a kernel (tests/host/):
#   - the kprobe_events parser against its table of lines (gcc, with
#     AddressSanitizer and UBSan);
#   - the same table must fail for each of a few deliberate parser bugs
#     (so that it can fail);
#   - the parser's fuzz target for FUZZ_SECONDS (default 60) from the
#     checked-in seed corpus (clang's libFuzzer, ASan, UBSan): a crash, a
#     leak, undefined behaviour or a broken invariant fails;
#   - the ELF symbol resolver for uprobes (kprobe_core/uprobe_elf.c): a
#     table over a small ELF file and hostile variants of it, the offset of
#     every function of real files (libc, ls, the test program) against
#     readelf's, deliberate bugs the table must catch, and its fuzz target
#     for ELF_FUZZ_SECONDS (default 30) from that file and real ones cut
#     to 64 KiB.
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

# ---- the ELF symbol resolver (uprobes) ----
elf=kprobe_core/uprobe_elf.c
build_elf() {
	gcc "${cflags[@]}" "${san[@]}" -I"$(dirname "$2")" -Ikprobe_core -o "$1" \
		tests/host/uprobe_elf_test.c "$2" >"$1.log" 2>&1
}
# expected_funcs FILE: "name offset" for every function FILE defines, as
# readelf sees it: a name in .symtab, else in .dynsym; of several of one
# name in a table, a global or weak one before a local one, and the
# default version (name@@V, or none) before an old one (name@V); the first
# of equals. Mapped through the executable PT_LOAD holding it.
expected_funcs() {
	{ readelf -lW "$1"; readelf -sW "$1"; } | awk '
		function hex(s,   i, v) {
			sub(/^0x/, "", s); v = 0
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
			return v
		}
		# executable segments: the flags (R E, RWE) sit between MemSiz and Align
		$1 == "LOAD" {
			flg = ""
			for (i = 7; i < NF; i++) flg = flg $i
			if (flg !~ /E/) next
			n++; off[n] = hex($2); va[n] = hex($3); fs[n] = hex($5); next
		}
		/^Symbol table / { tab = ($0 ~ /\.symtab/) ? "s" : "d"; next }
		tab != "" && $4 == "FUNC" && $7 != "UND" && NF >= 8 {
			name = $8; sub(/@.*/, "", name)
			if (length(name) > 511) next
			rank = 2 * ($5 == "LOCAL") + ($8 ~ /@/ && $8 !~ /@@/)
			k = tab SUBSEP name
			if (!(k in val) || rank < best[k]) { val[k] = hex($2); best[k] = rank }
			names[name] = 1
		}
		END {
			for (name in names) {
				v = (("s" SUBSEP name) in val) ? val["s" SUBSEP name] : val["d" SUBSEP name]
				for (i = 1; i <= n; i++)
					if (v >= va[i] && v < va[i] + fs[i]) {
						printf "%s %x\n", name, v - va[i] + off[i]
						break
					}
			}
		}'
}
if ! build_elf "$out/uprobe_elf_test" "$elf"; then
	sed 's/^/        /' "$out/uprobe_elf_test.log" | head -n 30
	bad "ELF resolver table: does not build (log: $out/uprobe_elf_test.log)"
elif "$out/uprobe_elf_test" >"$out/uprobe_elf_test.tap" 2>&1; then
	ok "ELF resolver table: $(tail -n 1 "$out/uprobe_elf_test.tap" | sed 's/^# //')"
else
	grep '^not ok' "$out/uprobe_elf_test.tap" | head -n 20 | sed 's/^/        /'
	bad "ELF resolver table: $(tail -n 1 "$out/uprobe_elf_test.tap" | sed 's/^# //') (log: $out/uprobe_elf_test.tap)"
fi
libc=$(ldd "$out/uprobe_elf_test" 2>/dev/null | awk '$1 ~ /^libc\.so/ { print $3 }')
for f in "$libc" "$(command -v ls)" "$out/uprobe_elf_test"; do
	if [ -z "$f" ] || [ ! -f "$f" ]; then
		bad "ELF resolver vs readelf: no file [$f]"
		continue
	fi
	list=$out/funcs.$(basename "$f")
	expected_funcs "$f" >"$list"
	if r=$("$out/uprobe_elf_test" "$f" "$list" 2>&1); then
		ok "ELF resolver vs readelf: ${r#ok 1 - }"
	else
		echo "$r" | head -n 12 | sed 's/^/        /'
		bad "ELF resolver vs readelf: $f"
	fi
done
# the name a user gives first: libc's malloc
grep -q '^malloc ' "$out/funcs.$(basename "$libc")" ||
	bad "ELF resolver vs readelf: no malloc in $libc's list"

elf_mutants=(
	"strings-unbounded|if (off >= str_size \|\| len + 1 > str_size - off)|if (off >= str_size)"
	"ifunc-taken|if (type == KPU_STT_GNU_IFUNC) {|if (0) {"
	"exec-flag-ignored|if (kpu_le(ph, 4) != KPU_PT_LOAD \|\| !(kpu_le(ph + 4, 4) & KPU_PF_X))|if (kpu_le(ph, 4) != KPU_PT_LOAD)"
	"dynsym-not-searched|for (k = 0; k < 2 && found != 1; k++) {|for (k = 0; k < 1 && found != 1; k++) {"
	"objects-are-functions|if (type != KPU_STT_FUNC) {|if (type != KPU_STT_FUNC && 0) {"
	"undefined-symbols-count|if (kpu_le(s + 6, 2) == KPU_SHN_UNDEF)|if (0)"
	"vaddr-not-subtracted|*offset = value - vaddr + poff;|*offset = value + poff;"
	"memsz-not-filesz|filesz = kpu_le(ph + 32, 8);|filesz = kpu_le(ph + 40, 8) + 0x1000;"
	"prefix-matches|*equal = !memcmp(buf, name, len) && buf[len] == '\\\\0';|*equal = !memcmp(buf, name, len);"
	"big-endian-accepted|if (eh[4] != 2 \|\| eh[5] != 1)|if (eh[4] != 2)"
	"local-as-good-as-global|return 2 * ((sym[4] >> 4) == KPU_STB_LOCAL) + !!(versym & KPU_VERSYM_HIDDEN);|return !!(versym & KPU_VERSYM_HIDDEN);"
	"old-version-as-good|return 2 * ((sym[4] >> 4) == KPU_STB_LOCAL) + !!(versym & KPU_VERSYM_HIDDEN);|return 2 * ((sym[4] >> 4) == KPU_STB_LOCAL);"
	"no-extended-numbering|if (!need_sh && !need_ph)|if (1)"
	"broken-symtab-fatal|bad = 1;|return KPU_ELF_BAD;"
)
caught=0 missed=()
for m in "${elf_mutants[@]}"; do
	IFS='|' read -r name from to <<<"${m//\\|/$'\x01'}"
	from=${from//$'\x01'/|} to=${to//$'\x01'/|}
	mdir=$out/elf-mutant-$name
	mkdir -p "$mdir"
	cp kprobe_core/uprobe_elf.h "$mdir/"
	FROM=$from TO=$to perl -0pe 'BEGIN { ($f, $t) = map { s/\\\\/\\/g; $_ } ($ENV{FROM}, $ENV{TO}) }
		s/\Q$f\E/$t/ or die "no match\n"' \
		"$elf" >"$mdir/uprobe_elf.c" 2>"$mdir/apply.log" || { missed+=("$name(no match)"); continue; }
	if ! build_elf "$mdir/t" "$mdir/uprobe_elf.c"; then
		missed+=("$name(build)")
	elif "$mdir/t" >"$mdir/t.tap" 2>&1; then
		missed+=("$name")
	else
		caught=$((caught + 1))
	fi
done
if [ ${#missed[@]} -eq 0 ]; then
	ok "ELF resolver table fails for each of ${#elf_mutants[@]} deliberate bugs"
else
	bad "ELF resolver table passed with deliberate bugs: ${missed[*]} (caught $caught of ${#elf_mutants[@]})"
fi

esecs=${ELF_FUZZ_SECONDS:-30}
if ! command -v clang >/dev/null; then
	bad "ELF resolver fuzzing: no clang (make deps)"
elif ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Ikprobe_core \
	-o "$out/fuzz_uprobe_elf" tests/host/fuzz_uprobe_elf.c "$elf" >"$out/fuzz-elf-build.log" 2>&1; then
	sed 's/^/        /' "$out/fuzz-elf-build.log" | head -n 20
	bad "ELF resolver fuzzing: the target does not build (log: $out/fuzz-elf-build.log)"
else
	# seeds: the table's small file, and real ones cut to 64 KiB
	mkdir -p "$out/elf-corpus"
	"$out/uprobe_elf_test" --seed "$out/elf-corpus/small.elf"
	head -c 65536 "$(command -v ls)" >"$out/elf-corpus/ls.elf"
	head -c 65536 "$out/uprobe_elf_test" >"$out/elf-corpus/test.elf"
	if (cd "$out" && ./fuzz_uprobe_elf -max_total_time="$esecs" -max_len=65536 -timeout=5 \
		-print_final_stats=1 elf-corpus >fuzz-elf.log 2>&1); then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz-elf.log")
		ok "ELF resolver fuzzing: ${runs:-?} inputs in ${esecs}s, no crash, out-of-bounds read or UB"
	else
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$out/fuzz-elf.log" | head -n 10 | sed 's/^/        /'
		bad "ELF resolver fuzzing: a failing input (log: $out/fuzz-elf.log, input in $out)"
	fi
fi
[ "$nfail" -eq 0 ]
