#!/usr/bin/env bash
# initlab as a package: the consumer project (tests/package/consumer) built and
# run three ways, each printing the same numbers:
#   1. find_package against `cmake --install` of this build into a fresh prefix
#      (and pkg-config against the same prefix);
#   2. add_subdirectory of this checkout;
#   3. FetchContent from this checkout as a git repository (its HEAD).
# usage: package_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src="$1" build="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
jobs=$(nproc 2>/dev/null || echo 2)
step() { echo "== $*"; }
run_consumer() {  # run_consumer NAME CMAKE_ARGS...
  local name="$1"; shift
  if ! cmake -S "$src/tests/package/consumer" -B "$tmp/$name" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" \
       >"$tmp/$name.log" 2>&1 ||
     ! cmake --build "$tmp/$name" -j "$jobs" >>"$tmp/$name.log" 2>&1; then
    echo "FAIL $name: the consumer did not build"; tail -30 "$tmp/$name.log"; fail=1; return
  fi
  if ! "$tmp/$name/consumer" >"$tmp/$name.out" 2>&1; then
    echo "FAIL $name: the consumer failed"; cat "$tmp/$name.out"; fail=1; return
  fi
  echo "ok   $name: $(tr '\n' ' ' <"$tmp/$name.out")"
}

step "install into $tmp/prefix"
if ! cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1; then
  echo "FAIL install"; tail -20 "$tmp/install.log"; exit 1
fi
for f in include/initlab/initlab.hpp lib/libinitlab.a lib/cmake/initlab/initlabConfig.cmake \
         lib/cmake/initlab/initlabConfigVersion.cmake lib/cmake/initlab/initlabTargets.cmake lib/pkgconfig/initlab.pc; do
  [ -f "$tmp/prefix/$f" ] || { echo "FAIL install: no $f"; fail=1; }
done
run_consumer find_package -DINITLAB_VIA=find_package -DCMAKE_PREFIX_PATH="$tmp/prefix"

step "pkg-config"
if PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" g++ -O1 -o "$tmp/pc_consumer" "$src/tests/package/consumer/main.cpp" \
     $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --cflags --libs --static initlab) >"$tmp/pc.log" 2>&1 &&
   "$tmp/pc_consumer" >"$tmp/pkg_config.out"; then
  echo "ok   pkg-config: $(tr '\n' ' ' <"$tmp/pkg_config.out")"
else
  echo "FAIL pkg-config"; tail -20 "$tmp/pc.log"; fail=1
fi

# The library alone, unoptimized (-O0 compiles in half the time; the numbers are the same bits).
run_consumer add_subdirectory -DINITLAB_VIA=add_subdirectory -DINITLAB_SOURCE="$src" -DCMAKE_BUILD_TYPE=
run_consumer fetchcontent -DINITLAB_VIA=fetchcontent -DINITLAB_SOURCE="$src" \
  -DINITLAB_GIT_TAG="$(git -C "$src" rev-parse HEAD)" -DCMAKE_BUILD_TYPE=

for other in pkg_config add_subdirectory fetchcontent; do
  if [ -f "$tmp/$other.out" ] && ! cmp -s "$tmp/find_package.out" "$tmp/$other.out"; then
    echo "FAIL $other: prints other numbers than find_package"; fail=1
  fi
done
exit $fail
