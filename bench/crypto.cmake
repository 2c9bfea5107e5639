# bench_group: hash-to-group and blinding on ristretto255 and on X25519 with
# an Elligator2-mapped point, one thread and all cores (crypto/README.md
# records the figures and the choice). Links libsodium directly to time the
# X25519 alternative, which the crypto layer does not offer.
if(TARGET sp_crypto)
  sp_bench(bench_group SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_group.c
           LIBS sp_crypto PkgConfig::SODIUM)
endif()
