# herald_add_plugin(<name> SOURCES <files...> [OUTPUT_DIR <dir>] [LINK <targets...>])
#
# Adds a channel plugin: a MODULE library that links only the plugin API (plus what LINK names),
# built with hidden visibility so it exports nothing but herald_plugin_entry, and with
# --no-undefined so it can never reach into the host. HERALD_PLUGIN_<NAME> switches it off.
function(herald_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LINK" ${ARGN})
  string(TOUPPER "${name}" upper)
  string(REPLACE "-" "_" upper "${upper}")
  option(HERALD_PLUGIN_${upper} "Build the ${name} channel plugin" ON)
  if(NOT HERALD_PLUGIN_${upper})
    return()
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${HERALD_PLUGIN_OUTPUT_DIR})
  endif()
  set(target herald_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE herald::plugin_api ${ARG_LINK})
  if(TARGET herald_warnings)
    target_link_libraries(${target} PRIVATE herald_warnings)
  endif()
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${name}
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  include(GNUInstallDirs)
  # lib/herald/plugins under the prefix: where herald looks next to its binary (no multiarch
  # subdirectory, so /usr and /usr/local installs agree with the systemd unit).
  install(TARGETS ${target} LIBRARY DESTINATION lib/herald/plugins)
  if(HERALD_FUZZ)
    # Fuzzing instruments the host; plugins are loaded as plain libraries (clang links sanitizer
    # runtimes into executables only).
    target_compile_options(${target} PRIVATE -fno-sanitize=all)
    target_link_options(${target} PRIVATE -fno-sanitize=all)
  endif()
  if(NOT HERALD_SANITIZE AND NOT HERALD_TSAN)
    # Sanitizer runtimes are resolved from the host at load time, so only plain builds can
    # insist that a plugin carries no undefined symbol.
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()
