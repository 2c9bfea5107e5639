# The pure-layer check, run as a script at build time (round/CMakeLists.txt):
#   cmake -DLAYER=round -DFILES="a.c;b.h" -DSTAMP=out -P SpPureCheck.cmake
# A layer that links only what its CMakeLists.txt lists cannot call LMDB or
# ZeroMQ, but a system header (lmdb.h, zmq.h, pthread.h) would still be
# found, and the clock needs no library at all. So the sources are read:
# an include of an I/O or thread header or of a daemon/ header, or a call
# that reads the clock, fails the build with the file and line.
set(bad_include "^[ \t]*#[ \t]*include[ \t]*[<\"](lmdb|zmq|pthread|threads|sys/socket|sys/stat|fcntl|unistd|daemon/[^\">]*)(\\.h)?[\">]")
set(bad_call "(^|[^A-Za-z0-9_.>])(clock_gettime|gettimeofday|time|timespec_get)[ \t]*\\(")
set(failed "")
foreach(f IN LISTS FILES)
  file(STRINGS "${f}" lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(line MATCHES "${bad_include}")
      string(APPEND failed "${f}:${n}: ${LAYER}/ is a pure layer: no I/O, thread or daemon/ header: ${line}\n")
    elseif(line MATCHES "${bad_call}" AND NOT line MATCHES "^[ \t]*(/?\\*|//)")
      string(APPEND failed "${f}:${n}: ${LAYER}/ reads no clock (the time comes with each event): ${line}\n")
    endif()
  endforeach()
endforeach()
if(failed)
  message(FATAL_ERROR "${failed}")
endif()
file(WRITE "${STAMP}" "ok\n")
