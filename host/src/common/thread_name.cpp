#include "common/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace herald {

void name_this_thread(const char* name) {
    // Linux keeps 15 characters and a NUL; a longer name is refused, not cut.
    const std::string cut = std::string(name).substr(0, 15);
    pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace herald
