#include "common/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace herald {

std::variant<std::string, std::string> read_bounded_file(const std::filesystem::path& path, size_t max_bytes) {
    using Result = std::variant<std::string, std::string>;
    auto fail = [&](const std::string& why) { return Result(std::in_place_index<1>, path.string() + ": " + why); };
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return fail(std::string("cannot open: ") + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(std::string("cannot stat: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail("not a regular file (devices, FIFOs and sockets are refused)");
    if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
        return fail("larger than the limit of " + std::to_string(max_bytes) + " bytes");
    }
    std::string content;
    content.resize(static_cast<size_t>(st.st_size) + 1);
    size_t have = 0;
    while (have < content.size()) {
        const ssize_t n = ::read(fd, content.data() + have, content.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(std::string("cannot read: ") + std::strerror(errno));
        if (n == 0) break;
        have += static_cast<size_t>(n);
        if (have > max_bytes) return fail("larger than the limit of " + std::to_string(max_bytes) + " bytes");
        if (have == content.size()) content.resize(std::min(content.size() * 2, max_bytes + 1));
    }
    content.resize(have);
    return Result(std::in_place_index<0>, std::move(content));
}

}  // namespace herald
