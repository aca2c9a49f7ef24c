// Where plugins are looked for when no directory is given.
#pragma once

#include <filesystem>

namespace herald {

// $HERALD_PLUGIN_DIR, else next to the binary (build/bin/herald -> build/plugins;
// /usr/local/bin/herald -> /usr/local/lib/herald/plugins), else ./plugins.
std::filesystem::path default_plugin_dir();

}  // namespace herald
