# Writes a C++ source defining `std::string_view herald::embedded_file(std::string_view name)`
# that returns the bytes of each input file (empty for an unknown name), so the web view's
# assets live in the binary and need nothing at run time.
# cmake -DOUTPUT=out.cpp -DFILES="a.html|b.js" -P embed_files.cmake
string(REPLACE "|" ";" FILES "${FILES}")
set(body "// Generated from the web view's assets by cmake/embed_files.cmake. Do not edit.\n")
string(APPEND body "#include <string_view>\n\nnamespace herald {\nnamespace {\n")
set(table "")
set(index 0)
foreach(file ${FILES})
  file(READ "${file}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  get_filename_component(name "${file}" NAME)
  string(APPEND body "const char kFile${index}[] = {${bytes} 0};\n")
  string(APPEND table "    if (name == \"${name}\") return {kFile${index}, sizeof kFile${index} - 1};\n")
  math(EXPR index "${index} + 1")
endforeach()
string(APPEND body "}  // namespace\n\nstd::string_view embedded_file(std::string_view name) {\n${table}    return {};\n}\n\n}  // namespace herald\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
