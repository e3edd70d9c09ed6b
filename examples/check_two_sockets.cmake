# Runs examples/two_sockets RUNS times (default 1) and checks that each run prints every
# message it was sent exactly once, four of them through poll. Many runs catch the races
# between the two sources (both sockets ready in one poll, which wins `||`); a run that
# waits for a message that never comes fails after 10 s instead of hanging the test.
if(NOT DEFINED RUNS)
  set(RUNS 1)
endif()

# Fails unless `regex` matches `expected` times in the output of run `run`.
function(expect_matches run out regex expected what)
  string(REGEX MATCHALL "${regex}" hits "${out}")
  list(LENGTH hits count)
  if(NOT count EQUAL expected)
    message(FATAL_ERROR "run ${run}: ${what}: ${count} instead of ${expected}:\n${out}")
  endif()
endfunction()

foreach(run RANGE 1 ${RUNS})
  execute_process(COMMAND "${PROGRAM}" OUTPUT_VARIABLE out RESULT_VARIABLE rc TIMEOUT 10)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run ${run}: two_sockets exited with '${rc}':\n${out}")
  endif()
  foreach(what IN ITEMS task update)
    foreach(i RANGE 3)
      expect_matches(${run} "${out}" ": ${what} ${i}\n" 1 "'${what} ${i}' printed")
    endforeach()
  endforeach()
  expect_matches(${run} "${out}" "poll: " 4 "messages through poll")
endforeach()
