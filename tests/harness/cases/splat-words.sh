#!/bin/sh
# expect: pass
# expect-ktap: ^ok 1 splat-words$
# Text that a case prints is not a kernel splat: the words alone on the
# console, even shaped like a kernel log line, must not turn the run red.
echo "BUG: WARNING: Oops general protection KASAN: UBSAN: Call Trace: refcount_t:"
echo "rcu: INFO: detected stalls, suspicious RCU usage, list_add corruption"
echo "[    1.234567] WARNING: CPU: 0 PID: 1 at fake.c:1 (printed by a test case)"
echo "BUG: printed straight to the console" >/dev/console
exit 0
