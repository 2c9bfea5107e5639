# bench_input: records per second for `snijpunt check`-style processing of the
# largest nl-synth export (gemeente-utrecht/personen.csv), one core: the file
# is read into memory first, then only ingestion is timed (CSV, decoding,
# match-key derivation, statistics).
if(TARGET sp_input)
  sp_bench(bench_input SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_input.c LIBS sp_input)
  target_compile_definitions(bench_input PRIVATE
    SP_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    SP_SHARED_DATA_DEFAULT="${PROJECT_SOURCE_DIR}/../shared/data")
endif()
