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

# FindPkgConfig fills an imported target one way on the first configure and
# another way on every later one: libzmq's Cflags "-isystem
# /usr/include/mit-krb5" went to the include directories first and to the
# compile options afterwards. A re-configure (tools/demo's build step, which
# integration_demo runs in the suite's own build directory while other tests
# use its binaries) thus changed the flags of every object that uses libzmq
# and relinked snijpunt and snijpuntd under the running tests. Here every
# "-isystem DIR" of the compile options is an include directory (imported
# targets' directories are system directories anyway), in one sorted order.
foreach(dep SODIUM ZMQ MSGPACK LMDB SECCOMP OPENSSL CMOCKA)
  if(NOT TARGET PkgConfig::${dep})
    continue()
  endif()
  set(sp_incs ${${dep}_INCLUDE_DIRS})
  set(sp_opts)
  set(sp_dir_next OFF)
  foreach(opt IN LISTS ${dep}_CFLAGS_OTHER)
    if(sp_dir_next)
      list(APPEND sp_incs ${opt})
      set(sp_dir_next OFF)
    elseif(opt STREQUAL "-isystem")
      set(sp_dir_next ON)
    else()
      list(APPEND sp_opts ${opt})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES sp_incs)
  list(SORT sp_incs)
  set_target_properties(PkgConfig::${dep} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${sp_incs}" INTERFACE_COMPILE_OPTIONS "${sp_opts}")
endforeach()
