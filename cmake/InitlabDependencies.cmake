# Every dependency comes from a Debian package named in scripts/apt-packages.txt.
find_package(fmt REQUIRED)                 # libfmt-dev
find_package(nlohmann_json 3 REQUIRED)     # nlohmann-json3-dev
find_package(CLI11 REQUIRED)               # libcli11-dev
find_package(OpenMP REQUIRED)              # g++ (libgomp)
find_package(benchmark QUIET)              # libbenchmark-dev
find_package(ZLIB REQUIRED)                # zlib1g-dev (gzip-compressed IDX files)

# Random123 (librandom123-dev): header-only Philox.
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)

# OpenBLAS, OpenMP flavour (libopenblas-openmp-dev): CBLAS and LAPACK in one
# library. Linked by its own path, so that the BLAS chosen by Debian's
# alternatives for other programs does not change ours.
find_library(OPENBLAS_LIBRARY NAMES openblas
  HINTS /usr/lib/x86_64-linux-gnu/openblas-openmp /usr/lib/aarch64-linux-gnu/openblas-openmp
  NO_DEFAULT_PATH)
if(NOT OPENBLAS_LIBRARY)
  find_library(OPENBLAS_LIBRARY NAMES openblas REQUIRED)
endif()
find_path(OPENBLAS_INCLUDE_DIR cblas.h
  HINTS /usr/include/x86_64-linux-gnu/openblas-openmp /usr/include/aarch64-linux-gnu/openblas-openmp
  PATH_SUFFIXES openblas REQUIRED)
add_library(initlab::openblas INTERFACE IMPORTED)
set_target_properties(initlab::openblas PROPERTIES
  INTERFACE_LINK_LIBRARIES "${OPENBLAS_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${OPENBLAS_INCLUDE_DIR}")
get_filename_component(OPENBLAS_LIBDIR "${OPENBLAS_LIBRARY}" DIRECTORY)
set(CMAKE_BUILD_RPATH "${OPENBLAS_LIBDIR}")
set(CMAKE_INSTALL_RPATH "${OPENBLAS_LIBDIR}")

# Weight files: HDF5's C API (libhdf5-dev) for .keras/.weights.h5/legacy .h5,
# libzip (libzip-dev) for .keras and .npz archives, xxHash (libxxhash-dev) for
# checkpoint checksums. Found through pkg-config (FindHDF5 needs the C language).
find_package(PkgConfig REQUIRED)
pkg_check_modules(HDF5 REQUIRED IMPORTED_TARGET hdf5-serial)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
add_library(initlab::weight_file_deps INTERFACE IMPORTED)
set_target_properties(initlab::weight_file_deps PROPERTIES
  INTERFACE_LINK_LIBRARIES "PkgConfig::HDF5;PkgConfig::LIBZIP;PkgConfig::XXHASH")
