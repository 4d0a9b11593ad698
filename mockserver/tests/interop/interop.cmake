# kubectl interop test: real kubectl binaries (1.27-1.33, as installed beside the
# kubectl on PATH) against a fresh lwc-mockserver each. Exits 77 - reported by
# ctest as skipped, not passed - when no kubectl version is installed.
# Run it alone with: ctest -L interop --output-on-failure
add_test(NAME kubectl_interop
         COMMAND /usr/bin/env python3 ${CMAKE_CURRENT_SOURCE_DIR}/interop/kubectl_interop.py
                 $<TARGET_FILE:lwc-mockserver>)
set_tests_properties(kubectl_interop PROPERTIES
                     LABELS interop
                     SKIP_RETURN_CODE 77
                     TIMEOUT 180)
