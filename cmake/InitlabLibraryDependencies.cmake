# The dependencies of initlab's library, for its own build and for a program
# that links the installed library (initlabConfig.cmake includes this file).
# Each comes from a Debian package named in scripts/apt-packages.txt.
include_guard(DIRECTORY)
find_package(fmt REQUIRED)                 # libfmt-dev
find_package(nlohmann_json 3 REQUIRED)     # nlohmann-json3-dev
find_package(OpenMP REQUIRED)              # g++ (libgomp)
find_package(ZLIB REQUIRED)                # zlib1g-dev (gzip-compressed IDX files)

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
if(NOT TARGET initlab::openblas)
add_library(initlab::openblas INTERFACE IMPORTED)
set_target_properties(initlab::openblas PROPERTIES
  INTERFACE_LINK_LIBRARIES "${OPENBLAS_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${OPENBLAS_INCLUDE_DIR}")
endif()

# Weight files: HDF5's C API (libhdf5-dev) for .keras/.weights.h5/legacy .h5,
# libzip (libzip-dev) for .keras and .npz archives, xxHash (libxxhash-dev) for
# checkpoint checksums. Found through pkg-config (FindHDF5 needs the C language).
find_package(PkgConfig REQUIRED)
pkg_check_modules(HDF5 REQUIRED IMPORTED_TARGET hdf5-serial)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
if(NOT TARGET initlab::weight_file_deps)
add_library(initlab::weight_file_deps INTERFACE IMPORTED)
set_target_properties(initlab::weight_file_deps PROPERTIES
  INTERFACE_LINK_LIBRARIES "PkgConfig::HDF5;PkgConfig::LIBZIP;PkgConfig::XXHASH")
endif()
