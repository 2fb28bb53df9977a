#!/bin/sh
# expect: incomplete no-sentinel splat
# expect-ktap: ^# ---- panic$
# expect-kernel: Kernel panic - not syncing: sysrq triggered crash$
# A guest that panics before the sentinel must read as failed.
echo "crashing the kernel on purpose"
echo c >/proc/sysrq-trigger
sleep 10
