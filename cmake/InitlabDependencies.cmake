# Every dependency comes from a Debian package named in scripts/apt-packages.txt.
# What the library itself needs is in InitlabLibraryDependencies.cmake, which
# the installed package's initlabConfig.cmake includes too.
include(InitlabLibraryDependencies)
if(INITLAB_BUILD_CLI)
  find_package(CLI11 REQUIRED)             # libcli11-dev
endif()
if(INITLAB_BUILD_BENCH)
  find_package(benchmark QUIET)            # libbenchmark-dev
endif()

# Random123 (librandom123-dev): header-only Philox, used inside the library only.
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)

# initlab's own programs find OpenBLAS's OpenMP build where it was linked from.
get_filename_component(OPENBLAS_LIBDIR "${OPENBLAS_LIBRARY}" DIRECTORY)
set(CMAKE_BUILD_RPATH "${OPENBLAS_LIBDIR}")
set(CMAKE_INSTALL_RPATH "${OPENBLAS_LIBDIR}")
