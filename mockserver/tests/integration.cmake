foreach(t test_http_list test_http_watch test_http_writes test_http_faults test_request_log test_true_410 test_http_hostile test_request_class test_http_limits)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c)
    lwc_check_test(${t} ${t}.c http_util.c)
    # wire/*.http: raw requests, byte for byte (http_util.c's test_read_wire).
    target_compile_definitions(${t} PRIVATE LWC_WIRE_DIR="${CMAKE_CURRENT_SOURCE_DIR}/wire")
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS integration TIMEOUT 120)
  endif()
endforeach()
