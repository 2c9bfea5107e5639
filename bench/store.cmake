# bench_store: the daemon's LMDB state store — loading N records with three
# keys each (staged and swapped in as a dataset version), one streaming pass
# over the key index, and the distinct-value count a round starts with.
if(TARGET sp_daemon_core)
  sp_bench(bench_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_store.c
           LIBS sp_daemon_core PkgConfig::LMDB)
endif()
