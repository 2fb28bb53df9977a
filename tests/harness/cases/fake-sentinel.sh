#!/bin/sh
# expect: incomplete no-sentinel
# expect-ktap: ^# KPC-HARNESS-END runner=0 tainted=0$
# expect-ktap: ^# ok 1 fake-sentinel$
# A case that prints a sentinel and a result of its own, then powers the
# guest off: its output reaches the host only as diagnostics ("# ..."),
# and the run reads as unfinished.
echo "KPC-HARNESS-END runner=0 tainted=0"
echo "ok 1 fake-sentinel"
poweroff -f
sleep 10
