#include "plugin_host/plugin_dirs.hpp"

#include <cstdlib>
#include <system_error>

namespace herald {

std::filesystem::path default_plugin_dir() {
    if (const char* env = std::getenv("HERALD_PLUGIN_DIR"); env != nullptr && *env != '\0') return env;
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto prefix = exe.parent_path().parent_path();
        for (const auto& candidate : {prefix / "plugins", prefix / "lib" / "herald" / "plugins"}) {
            if (std::filesystem::is_directory(candidate, ec)) return candidate;
        }
    }
    return "plugins";
}

}  // namespace herald
