# Install rules (GNUInstallDirs): `cmake --install build [--prefix P]` and the
# Debian package (debian/rules) install the same files:
#   sbin/snijpuntd, bin/snijpunt, bin/snijpunt-gen
#   the systemd unit, its sysusers.d and tmpfiles.d files
#   man pages (man/), bash completion, docs and an example configuration.
# Directories are relative to the prefix unless given absolute; Debian 12 keeps
# units in /lib/systemd/system (debian/rules sets SP_SYSTEMD_UNITDIR).
include(GNUInstallDirs)

set(SP_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING "systemd unit directory")
set(SP_SYSUSERSDIR "lib/sysusers.d" CACHE STRING "sysusers.d directory")
set(SP_TMPFILESDIR "lib/tmpfiles.d" CACHE STRING "tmpfiles.d directory")
set(SP_BASH_COMPLETIONDIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE STRING "bash-completion directory")

install(TARGETS snijpuntd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS snijpunt snijpunt-gen RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The unit names /usr/sbin/snijpuntd; another prefix (also one given to
# `cmake --install --prefix`) gets its own path, written at install time.
install(CODE "
  set(sp_sbin \"${CMAKE_INSTALL_SBINDIR}\")
  if(NOT IS_ABSOLUTE \"\${sp_sbin}\")
    set(sp_sbin \"\${CMAKE_INSTALL_PREFIX}/\${sp_sbin}\")
  endif()
  file(READ \"${PROJECT_SOURCE_DIR}/systemd/snijpuntd.service\" sp_unit)
  string(REPLACE \"/usr/sbin/snijpuntd\" \"\${sp_sbin}/snijpuntd\" sp_unit \"\${sp_unit}\")
  file(WRITE \"${PROJECT_BINARY_DIR}/install/snijpuntd.service\" \"\${sp_unit}\")
")
install(FILES ${PROJECT_BINARY_DIR}/install/snijpuntd.service DESTINATION ${SP_SYSTEMD_UNITDIR})
install(FILES systemd/snijpunt.sysusers.conf DESTINATION ${SP_SYSUSERSDIR} RENAME snijpunt.conf)
install(FILES systemd/snijpunt.tmpfiles.conf DESTINATION ${SP_TMPFILESDIR} RENAME snijpunt.conf)

foreach(page snijpunt.1 snijpunt-gen.1 snijpuntd.conf.5 snijpunt-mapping.5 snijpuntd.8)
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES man/${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
install(FILES tools/snijpunt.bash-completion DESTINATION ${SP_BASH_COMPLETIONDIR}
        RENAME snijpunt)

# Documentation keeps the tree's layout: the READMEs link to each other.
foreach(doc README.md daemon/README.md daemon/ROUNDS.md input/README.md input/match-keys.md
            proto/README.md crypto/README.md pki/README.md audit/README.md tools/README.md
            systemd/README.md man/README.md docs/governance.md docs/audit.md)
  get_filename_component(dir ${doc} DIRECTORY)
  install(FILES ${doc} DESTINATION ${CMAKE_INSTALL_DOCDIR}/${dir})
endforeach()
install(FILES systemd/snijpuntd.conf.example DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        RENAME snijpuntd.conf)
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/mappings)
