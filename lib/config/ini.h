#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// One INI dialect for /etc/wsl.conf, ~/.wslconfig and /etc/wsl-distribution.conf.
// Standard library only: this is also linked into the static wsl-init.
namespace wsl::config {

struct Entry {
    std::string section; // lower-cased
    std::string key;     // lower-cased
    std::string value;   // trimmed, quotes and trailing comment removed
    int line = 0;        // 1-based
    std::string written; // "section.key" as the file spells it, for warnings
};

struct IniFile {
    std::vector<Entry> entries;
    std::vector<std::string> warnings;
};

// Lines: "[section]", "key = value"; '#' or ';' starts a comment at line start, or in an
// unquoted value after whitespace. A "double-quoted" value keeps everything inside the quotes.
// CRLF and a UTF-8 BOM are accepted. Malformed lines produce a warning naming <file>:<line> and
// are skipped; this never throws on bad input.
IniFile parse_ini(std::string_view text, std::string_view file_name);

// ASCII case-insensitive equality (section and key names).
bool iequals(std::string_view a, std::string_view b);

// true/false, 1/0, yes/no, on/off (case-insensitive).
std::optional<bool> parse_bool(std::string_view v);
// Optional sign and decimal digits, the whole string; nullopt on overflow.
std::optional<long long> parse_int(std::string_view v);
// Decimal integer + optional B|K|KB|M|MB|G|GB|T|TB (case-insensitive, K = 1024); nullopt on
// overflow.
std::optional<unsigned long long> parse_size(std::string_view v);

} // namespace wsl::config
