#!/bin/sh
# expect: not-ok runner
# expect-ktap: ^not ok 1 planted$
# expect-ktap: ^ok 1 runner-lies$
# A "not ok" line that reaches the KTAP port behind the runner's back (the
# case writes to the port itself) while the runner reports everything ok:
# the results and the runner's status disagree, and the run is red.
echo "not ok 1 planted" >/dev/ttyS1
exit 0
