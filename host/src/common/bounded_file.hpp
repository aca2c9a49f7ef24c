// Reads a file that someone else controls (a secret file, a team's routing file) without letting
// it hurt the reader: only regular files, never blocking on open (a FIFO or device is refused
// before any read), and never more than a size cap.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <variant>

namespace herald {

// The file's bytes, or an error message naming the path and the rule it broke.
std::variant<std::string, std::string> read_bounded_file(const std::filesystem::path& path, size_t max_bytes);

}  // namespace herald
