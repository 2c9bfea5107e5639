# Compiler flags shared by every target: strict warnings, hardening, and an
# optional sanitizer build. Applied through the interface target sp_flags so
# that third-party code is not affected.
add_library(sp_flags INTERFACE)
target_compile_options(sp_flags INTERFACE
  -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wvla -Wpointer-arith -Wcast-qual -Wnull-dereference
  -fstack-protector-strong -fstack-clash-protection -fPIE
  $<$<BOOL:${SP_WERROR}>:-Werror>)
target_compile_definitions(sp_flags INTERFACE _GNU_SOURCE)
if(NOT SP_SANITIZE)
  # _FORTIFY_SOURCE needs optimisation and conflicts with ASan's interceptors.
  target_compile_options(sp_flags INTERFACE $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
endif()
target_link_options(sp_flags INTERFACE -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)

if(SP_SANITIZE)
  set(SP_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  target_compile_options(sp_flags INTERFACE ${SP_SAN_FLAGS})
  target_link_options(sp_flags INTERFACE ${SP_SAN_FLAGS})
  target_compile_definitions(sp_flags INTERFACE SP_SANITIZE=1)
endif()
