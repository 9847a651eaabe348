# What `cmake --install` lays out besides the programs: man pages (gzipped, as Debian ships
# them), shell completions where each shell looks for vendor files, and the systemd units.

find_program(GZIP gzip REQUIRED)
set(WSL_MAN_PAGES wsl.1 wslservice.8 wsl.conf.5 wslconfig.5 wsl-distribution.conf.5)
set(WSL_MAN_GZ)
foreach(page ${WSL_MAN_PAGES})
  set(src ${CMAKE_SOURCE_DIR}/man/${page})
  set(gz ${CMAKE_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${GZIP} -9 -n -c ${src} > ${gz}
    DEPENDS ${src} VERBATIM)
  list(APPEND WSL_MAN_GZ ${gz})
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man_pages ALL DEPENDS ${WSL_MAN_GZ})

install(FILES ${CMAKE_SOURCE_DIR}/completions/wsl.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME wsl)
# zsh searches share/zsh/vendor-completions under /usr only; elsewhere (/usr/local) it is
# site-functions. Decided at install time, when --prefix is known.
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(WSL_ZSH_DIR vendor-completions)
  else()
    set(WSL_ZSH_DIR site-functions)
  endif()")
install(FILES ${CMAKE_SOURCE_DIR}/completions/_wsl
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/\${WSL_ZSH_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/completions/wsl.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

# ExecStart names the installed wslservice, so the unit is written at install time, for the
# prefix being installed to (`--prefix`, or /usr inside a package), then installed.
install(CODE "
  set(CMAKE_INSTALL_FULL_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  configure_file(${CMAKE_SOURCE_DIR}/systemd/wslservice.service.in
                 ${CMAKE_BINARY_DIR}/systemd/wslservice.service @ONLY)")
install(FILES ${CMAKE_BINARY_DIR}/systemd/wslservice.service
              ${CMAKE_SOURCE_DIR}/systemd/wslservice.socket
        DESTINATION lib/systemd/system)
