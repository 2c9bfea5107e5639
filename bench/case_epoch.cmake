# bench_case_epoch: the own epoch's set-up through the engine (round/
# case_epoch.c) on W worker threads over the simulator's in-memory store,
# against the single-thread floor (hash once + crypto_scalarmult per value).
# Needs tests/sim's store (built with the tests).
if(TARGET sp_round AND BUILD_TESTING)
  sp_bench(bench_case_epoch SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_case_epoch.c
           LIBS sp_sim_parts sp_round sp_crypto PkgConfig::SODIUM)
endif()
