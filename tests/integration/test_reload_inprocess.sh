#!/usr/bin/env bash
# test_reload.sh with the peer sockets in the node's own process
# (net_process = no), the configuration the default was before.
SP_TEST_NET_PROCESS=no exec bash "$(dirname "$0")/test_reload.sh"
