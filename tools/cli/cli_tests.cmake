# cli_tests.cmake — ctest entries for the moevk CLI and the Python example, one per check of cli_test.sh, on
# the embedded default model. Included from tests/CMakeLists.txt, where testing is enabled (tools/ is added
# before enable_testing(), so tests declared there would be dropped).
if(NOT TARGET moevk_cli)
  return()
endif()
foreach(check help usage_errors generate json seeded state python)
  add_test(NAME cli.${check}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh ${check} $<TARGET_FILE:moevk_cli>
                   ${CMAKE_BINARY_DIR}/models/default.gguf ${CMAKE_BINARY_DIR}/cli_test/${check}
                   $<TARGET_FILE_DIR:moevk> ${PROJECT_SOURCE_DIR})
endforeach()
