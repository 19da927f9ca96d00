# Writes OUT, a C++ file defining one string per asset of the HTML report, so
# the page needs no file beside the binary. Run by reports/CMakeLists.txt:
#   cmake -DOUT=... -DASSETS="name=path;name=path" -P embed_assets.cmake
set(code "// Generated from reports/embed_assets.cmake: the HTML report's assets.\n#include \"html_assets.h\"\n\nnamespace bmshil::reports::assets {\n")
foreach(entry ${ASSETS})
  string(REPLACE "=" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 path)
  file(READ "${path}" content)
  string(FIND "${content}" ")bmshil_asset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} holds the raw string's delimiter")
  endif()
  string(APPEND code "const char* const ${name} = R\"bmshil_asset(${content})bmshil_asset\";\n")
endforeach()
string(APPEND code "}  // namespace bmshil::reports::assets\n")
file(WRITE "${OUT}.tmp" "${code}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
