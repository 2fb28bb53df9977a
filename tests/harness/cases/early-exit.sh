#!/bin/sh
# expect: incomplete no-sentinel
# expect-ktap: ^# powering off on purpose$
# A guest that powers off in the middle of the run must read as failed.
echo "powering off on purpose"
poweroff -f
sleep 10
