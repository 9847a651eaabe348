#pragma once
#include <climits>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/ini.h"

// Maps parsed INI entries onto a config struct through a table of known keys.
namespace wsl::config {

enum class KeyType { Bool, Int, Size, String, Ignored };

// The parsed value handed to a setter; its alternative matches the key's KeyType
// (std::string_view for String and Ignored; it points into the IniFile).
using Value = std::variant<bool, long long, unsigned long long, std::string_view>;

// Returns false when the value is out of range for the key; the target must then be unchanged.
using Setter = std::function<bool(const Value&)>;

struct KeySpec {
    // "section.key" as documented (compared case-insensitively); "section.*" matches every key
    // of that section.
    std::string_view name;
    KeyType type = KeyType::Ignored;
    Setter set; // may be empty: the key is accepted and ignored
};

// Applies entries in file order (so for a duplicate key the last valid one wins). Appends
// "Unknown key '<section>.<key>' in <file>:<N>" and
// "Invalid value '<value>' for key '<section>.<key>' in <file>:<N>" to `warnings`.
void apply_schema(const IniFile& ini, std::span<const KeySpec> keys, std::string_view file_name,
                  std::vector<std::string>& warnings);

// parse_ini + apply_schema: the syntax warnings, then the key and value warnings.
void parse_with_schema(std::string_view text, std::string_view file_name,
                       std::span<const KeySpec> keys, std::vector<std::string>& warnings);

KeySpec bool_key(std::string_view name, bool& target);
KeySpec int_key(std::string_view name, long long& target, long long min = LLONG_MIN,
                long long max = LLONG_MAX);
KeySpec int_key(std::string_view name, std::optional<long long>& target, long long min = LLONG_MIN,
                long long max = LLONG_MAX);
KeySpec size_key(std::string_view name, std::optional<unsigned long long>& target,
                 unsigned long long min = 0);
KeySpec string_key(std::string_view name, std::string& target);
KeySpec ignored_key(std::string_view name);

} // namespace wsl::config
