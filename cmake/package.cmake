# `cpack` in the build directory makes a .deb. Its Depends come from dpkg-shlibdeps, so they
# follow whatever the programs really link against.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wsl-for-linux)
set(CPACK_PACKAGE_VENDOR "wsl for Linux")
set(CPACK_PACKAGE_CONTACT "wsl dev <dev@wsl.local>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "WSL's command line for Linux distributions on a Linux host")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "wsl installs Linux distributions from a catalog or root filesystem tarballs, runs\n"
    "commands in them as isolated namespace containers, and exports, lists, moves and\n"
    "removes them with the same commands and output as wsl.exe. A root service,\n"
    "wslservice, started by systemd socket activation, keeps each user's distributions\n"
    "apart.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates, bash-completion")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "zsh, fish")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/cmake/debian/postinst ${CMAKE_SOURCE_DIR}/cmake/debian/prerm
    ${CMAKE_SOURCE_DIR}/cmake/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
