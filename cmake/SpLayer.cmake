# sp_layer_headers(TARGET FOLDER): makes the headers of FOLDER (and only those)
# visible as "FOLDER/x.h" to TARGET and to whatever links TARGET.
#
# Including from the project root would let any layer include any header; the
# dependency rule would then rest on goodwill. Instead each layer publishes its
# folder through a directory of its own that holds a single link to it, so a
# layer that does not link sp_input cannot even find "input/ingest.h".
function(sp_layer_headers target folder)
  set(dir ${PROJECT_BINARY_DIR}/layer-include/${folder})
  file(MAKE_DIRECTORY ${dir})
  if(NOT EXISTS ${dir}/${folder})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${dir}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} PUBLIC ${dir})
endfunction()
