# bench_group: hash-to-group and blinding for every candidate construction
# (ristretto255, X25519 RO/NU, libsodium and OpenSSL ladders), one thread and all cores (crypto/README.md
# records the figures and the choice). Links libsodium and OpenSSL directly to time
# the alternatives, which the crypto layer does not offer.
if(TARGET sp_crypto)
  sp_bench(bench_group SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_group.c
           LIBS sp_crypto PkgConfig::SODIUM PkgConfig::OPENSSL)
endif()
