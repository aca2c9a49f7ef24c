#include "common/sha256.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace herald {
namespace {

std::string hex(const unsigned char* data, size_t length) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(length * 2, '\0');
    for (size_t i = 0; i < length; ++i) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0xF];
    }
    return out;
}

// OpenSSL 3 looks an algorithm up by name on every call that names it with EVP_sha256() (a
// locked search of its providers), and the one-shot calls allocate a context each time: about
// three quarters of a short digest's cost. The algorithms are fetched once, and each thread
// keeps its contexts.
const EVP_MD* sha256_md() {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(EVP_MD_fetch(nullptr, "SHA256", nullptr),
                                                                    &EVP_MD_free);
    if (!md) throw std::runtime_error("SHA-256 is not available");
    return md.get();
}

EVP_MAC* hmac_algorithm() {
    static const std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                                       &EVP_MAC_free);
    if (!mac) throw std::runtime_error("HMAC is not available");
    return mac.get();
}

using MdContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using MacContext = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

// A thread's HMAC contexts, each keyed once: keying computes the key's pads, the larger part of
// an HMAC of a short body. A few keys cover a source's secrets during rotation; a key not among
// them takes the oldest slot.
class KeyedMacs {
 public:
    EVP_MAC_CTX* for_key(std::string_view key) {
        Slot* slot = nullptr;
        for (Slot& candidate : slots_) {
            if (candidate.context && candidate.key == key) slot = &candidate;
        }
        // The same key again: a null key restarts the context with the pads it already has.
        if (slot != nullptr && EVP_MAC_init(slot->context.get(), nullptr, 0, nullptr) == 1) return slot->context.get();
        if (slot == nullptr) {
            slot = &slots_[next_];
            next_ = (next_ + 1) % slots_.size();
        }
        if (!slot->context) slot->context.reset(EVP_MAC_CTX_new(hmac_algorithm()));
        char digest_name[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                                     OSSL_PARAM_construct_end()};
        slot->key.clear();
        if (!slot->context || EVP_MAC_init(slot->context.get(), reinterpret_cast<const unsigned char*>(key.data()),
                                           key.size(), params) != 1) {
            throw std::runtime_error("HMAC-SHA256 failed");
        }
        slot->key.assign(key);
        return slot->context.get();
    }

 private:
    struct Slot {
        std::string key;
        MacContext context{nullptr, &EVP_MAC_CTX_free};
    };
    std::array<Slot, 4> slots_;
    size_t next_ = 0;
};

}  // namespace

Sha256Digest sha256(std::string_view data) {
    thread_local const MdContext context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    Sha256Digest digest{};
    unsigned int length = 0;
    if (!context || EVP_DigestInit_ex2(context.get(), sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1 || length != digest.size()) {
        throw std::runtime_error("SHA-256 failed");
    }
    return digest;
}

std::string sha256_hex(std::string_view data) {
    const Sha256Digest digest = sha256(data);
    return hex(digest.data(), digest.size());
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    thread_local KeyedMacs macs;
    EVP_MAC_CTX* context = macs.for_key(key);
    unsigned char digest[EVP_MAX_MD_SIZE];
    size_t length = 0;
    if (EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
        EVP_MAC_final(context, digest, &length, sizeof digest) != 1) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return hex(digest, length);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(const Sha256Digest& a, const Sha256Digest& b) {
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace herald
