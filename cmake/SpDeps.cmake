# Every dependency comes from a Debian 12 package and is found through
# pkg-config; each becomes an imported target (PkgConfig::NAME).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq>=4.3)
pkg_check_modules(MSGPACK REQUIRED IMPORTED_TARGET msgpack>=3.0)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb>=0.9.24)
# the network process's seccomp filter (daemon/netproc_sandbox.c)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp>=2.5)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET openssl>=3.0)
if(BUILD_TESTING)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka>=1.1)
endif()
find_package(Threads REQUIRED)
