# Cross-building for 64-bit Windows with Debian's mingw-w64 (the posix
# thread model, for std::thread and std::mutex):
#
#   cmake -S . -B build-windows/lsock -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
#         -DLUA_INCLUDE_DIR=build-windows/lua/include -DLSOCK_LUA_LIBRARY=build-windows/lua/lua52.dll
#
# tools/windows/test.sh does exactly that (docs/build.md, "Windows").
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(LSOCK_MINGW_PREFIX x86_64-w64-mingw32 CACHE STRING "The mingw-w64 tools' prefix")
set(CMAKE_C_COMPILER ${LSOCK_MINGW_PREFIX}-gcc-posix)
set(CMAKE_CXX_COMPILER ${LSOCK_MINGW_PREFIX}-g++-posix)
set(CMAKE_RC_COMPILER ${LSOCK_MINGW_PREFIX}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${LSOCK_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Tests that run a cross-built program run it under wine.
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/lib/wine/wine64)
