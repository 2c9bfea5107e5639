# bench_oprf: case questions (crypto/oprf.h, round/case_filter.h): per value
# costs of H_case, blinding, evaluation, unblinding and the filter lookup,
# and the epoch set-up against the group-operation floor (bench/README.md).
# Links libsodium directly for the floor's bare crypto_scalarmult.
if(TARGET sp_crypto AND TARGET sp_round)
  sp_bench(bench_oprf SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_oprf.c
           LIBS sp_crypto sp_round PkgConfig::SODIUM)
endif()
