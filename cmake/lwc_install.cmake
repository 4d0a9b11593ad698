# What `cmake --install` puts where: the three programs, the public headers
# under include/lwc/, the static libraries with their pkg-config files, the
# scenario catalog under share/lwc/ and the man pages. The .pc files find
# their prefix from their own location (${pcfiledir}), so an install moved
# with --prefix or DESTDIR still works.
include(GNUInstallDirs)

install(TARGETS lwc-harness lwc-mockserver lwc-watch RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS lwc_mockserver lwc_scenario lwc_apimachinery lwc_common lwc_reflector ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES mockserver/include/lwc_mockserver.h scenario/include/lwc_scenario.h
              client-under-test/include/lwc_reflector.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lwc)

# ${pcfiledir} is LIBDIR/pkgconfig: one ".." per component back to the prefix.
string(REGEX MATCHALL "[^/]+" lwc_pc_parts "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
set(LWC_PC_TO_PREFIX "")
foreach(part ${lwc_pc_parts})
  string(APPEND LWC_PC_TO_PREFIX "../")
endforeach()
string(REGEX REPLACE "/$" "" LWC_PC_TO_PREFIX "${LWC_PC_TO_PREFIX}")
foreach(pc lwc-mockserver lwc-reflector)
  configure_file(cmake/pkgconfig/${pc}.pc.in ${CMAKE_BINARY_DIR}/pkgconfig/${pc}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/pkgconfig/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

file(GLOB lwc_catalog scenarios/*.json)
install(FILES ${lwc_catalog} scenarios/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/lwc/scenarios)
install(FILES scenarios/schema/scenario.schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/lwc)
install(FILES docs/client-protocol.md docs/k8s-listwatch-semantics.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES man/lwc-harness.1 man/lwc-mockserver.1 man/lwc-watch.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
