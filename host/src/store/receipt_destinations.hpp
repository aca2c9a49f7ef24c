#pragma once

#include <mutex>
#include <string>
#include <unordered_set>

namespace herald {

// The destinations a single-process store has ever held a receipt for. Most channels never
// return one, and a delivery would otherwise open a read transaction to find none. Only this
// process writes the store, so a destination missing here has no receipt: entries are added
// before the receipt is written and never removed (a superset of the table is always safe).
class ReceiptDestinations {
 public:
    void add(const std::string& destination_hash) {
        std::lock_guard lock(mutex_);
        hashes_.insert(destination_hash);
    }

    bool contains(const std::string& destination_hash) const {
        std::lock_guard lock(mutex_);
        return hashes_.contains(destination_hash);
    }

 private:
    mutable std::mutex mutex_;
    std::unordered_set<std::string> hashes_;
};

}  // namespace herald
