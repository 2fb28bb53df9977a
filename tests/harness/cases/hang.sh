#!/bin/sh
# expect: incomplete no-sentinel timeout
# timeout: 30
# expect-ktap: ^# hanging on purpose$
# A guest that hangs must be stopped by the host's timeout and read as failed.
echo "hanging on purpose"
sleep 100000
