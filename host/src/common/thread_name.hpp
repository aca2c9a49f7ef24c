// Names the calling thread (at most 15 characters show), so `top -H`, `perf` and core dumps tell
// the intake, writer and dispatcher apart.
#pragma once

namespace herald {

void name_this_thread(const char* name);

}  // namespace herald
