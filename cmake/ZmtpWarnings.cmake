# Compiler warnings for zmtp's own targets (never propagated to consumers).
#   ZMTP_WERROR=ON : -Wall -Wextra -Wpedantic -Werror
#   otherwise      : -Wall -Wextra
include_guard(GLOBAL)

function(zmtp_enable_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${ZMTP_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra
                           $<$<BOOL:${ZMTP_WERROR}>:-Wpedantic -Werror>)
  endif()
endfunction()
