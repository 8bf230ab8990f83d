"""What the multi-host run configures, shared by its settings, its hosts and its tests."""

# Short, so that the run is quick; they keep READ_YOUR_WRITES_SECONDS >=
# REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_INTERVAL, as check W003 asks.
REPLICA_CHECK_INTERVAL = 1
REPLICA_MAX_LAG_SECONDS = 5
READ_YOUR_WRITES_SECONDS = 6
# Failed logins a client may make per minute, counted across both hosts.
LOGIN_LIMIT = 6
# The two gunicorn servers (hosts A and B), in the range this run may use.
HOST_A_PORT = 8180
HOST_B_PORT = 8181
