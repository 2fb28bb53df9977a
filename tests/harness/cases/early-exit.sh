#!/bin/sh
# expect: no-sentinel
# A guest that powers off in the middle of the run must read as failed.
echo "powering off on purpose"
poweroff -f
sleep 10
