#!/usr/bin/env bash
# Proves the installed plugin API is enough: installs Herald's release build into a scratch
# prefix, builds examples/out-of-tree-plugin against it with find_package, then loads the
# result with `herald plugin list` and runs the conformance kit on it, from the CLI and from the
# plugin's own GoogleTest suite linked with the installed herald::conformance library.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install build --prefix "$work/prefix" >/dev/null
cmake -S examples/out-of-tree-plugin -B "$work/build" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >/dev/null
cmake --build "$work/build" >/dev/null

"$work/prefix/bin/herald" plugin list --dir "$work/build/plugins"
"$work/prefix/bin/herald" plugin check "$work/build/plugins/echo.so" --require /id
"$work/build/echo_conformance_test" --gtest_brief=1
echo "out-of-tree plugin: built with find_package(HeraldPluginApi), loaded and conformant"
