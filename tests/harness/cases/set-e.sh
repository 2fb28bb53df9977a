#!/bin/sh
# expect: not-ok
# expect-ktap: ^# FAIL: a command failed with status [0-9]+ \(the case runs under sh -e\)$
# expect-ktap: ^not ok 1 set-e$
# A command that fails without a check of its own (a write to a file that
# is not there) fails the case: cases run under sh -e.
. /tests/lib.sh
echo 1 >/sys/module/kpc_no_such_module/parameters/x
echo "still running after a failed write"
exit 0
