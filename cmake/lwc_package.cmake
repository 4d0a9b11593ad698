# `cpack -G DEB` in the build folder: a Debian package of what `cmake --install`
# installs, its runtime dependencies found by dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME lwc)
set(CPACK_PACKAGE_VENDOR "the lwc developers")
set(CPACK_PACKAGE_CONTACT "lwc developers <lwc@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "list/watch conformance harness and mock Kubernetes API server")
set(CPACK_PACKAGE_DESCRIPTION
    "lwc tests Kubernetes list/watch clients against a mock API server that serves paginated lists, watches, bookmarks and streaming lists with the real server's semantics and injects faults; lwc-harness runs a scenario catalog against any client and checks that its cache converges.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The static libraries' .pc files name these; a user embedding the server needs their -dev packages.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libmicrohttpd-dev, libcjson-dev, libcurl4-openssl-dev, pkg-config")
set(CPACK_STRIP_FILES ON)
include(CPack)
