# The round benchmark (bench/README.md): bench/bench_round drives a two-node
# round through tools/local-federation; build/bench/bench_round_ops times the
# same group operations in isolation on this machine for the floor.
if(TARGET sp_crypto)
  sp_bench(bench_round_ops SOURCES ${CMAKE_CURRENT_LIST_DIR}/round_ops.c LIBS sp_crypto)
endif()
