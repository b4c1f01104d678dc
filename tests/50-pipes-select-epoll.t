#!/bin/bash
# Pipes, dup/dup2/dup3, fcntl flags, select, poll and epoll.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 10
build_prog pipe_fcntl
build_prog select_epoll
run_both pipe_fcntl
run_both select_epoll
done_testing
