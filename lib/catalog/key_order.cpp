#include "catalog/key_order.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

namespace wsl::catalog {

namespace {

using json = nlohmann::json;

// Tracks the depth of open containers and records the keys one level inside `member`.
struct KeyRecorder : nlohmann::json_sax<json> {
    explicit KeyRecorder(std::string_view m) : member(m) {}

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override {
        ++depth;
        if (depth == 2 && top_key == member)
            inside = true;
        return true;
    }
    bool key(string_t& k) override {
        if (depth == 1) {
            top_key = k;
            if (k == member) { // a repeated member replaces the earlier one, whatever its type
                keys.clear();
                seen.clear();
            }
        } else if (depth == 2 && inside && seen.insert(k).second)
            keys.push_back(k);
        return true;
    }
    bool end_object() override {
        if (depth == 2)
            inside = false;
        --depth;
        return true;
    }
    bool start_array(std::size_t) override {
        ++depth;
        return true;
    }
    bool end_array() override {
        --depth;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

    std::string_view member;
    int depth = 0;
    bool inside = false;
    std::string top_key;
    std::vector<std::string> keys;
    std::unordered_set<std::string> seen;
};

} // namespace

std::vector<std::string> member_key_order(std::string_view text, std::string_view member) {
    KeyRecorder r(member);
    try {
        json::sax_parse(text.begin(), text.end(), &r);
    } catch (const json::exception&) {
        // The caller's own parse reports the error.
    }
    return std::move(r.keys);
}

} // namespace wsl::catalog
