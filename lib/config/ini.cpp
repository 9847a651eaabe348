#include "config/ini.h"

#include <charconv>
#include <climits>
#include <cstdint>
#include <limits>

namespace wsl::config {
namespace {

constexpr std::size_t kMaxLineLength = 4096;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_comment_start(char c) {
    return c == '#' || c == ';';
}

char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = to_lower(c);
    return out;
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    return s;
}

std::string_view trim(std::string_view s) {
    s = trim_left(s);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// Section and key names: ASCII letters, digits, '_', '-', '.'.
bool valid_name(std::string_view s) {
    if (s.empty())
        return false;
    for (char c : s) {
        bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  c == '-' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

// What may follow a closing ']' or '"': nothing, or a comment.
bool only_comment(std::string_view rest) {
    rest = trim(rest);
    return rest.empty() || is_comment_start(rest.front());
}

std::string where(std::string_view file, int line) {
    std::string s(file);
    s += ':';
    s += std::to_string(line);
    return s;
}

enum class ValueError { None, Unterminated, TrailingText };

// `rest` is everything after the first '='.
ValueError parse_value(std::string_view rest, std::string& out) {
    std::string_view v = trim_left(rest);
    if (!v.empty() && v.front() == '"') {
        auto close = v.find('"', 1);
        if (close == std::string_view::npos)
            return ValueError::Unterminated;
        if (!only_comment(v.substr(close + 1)))
            return ValueError::TrailingText;
        out.assign(v.substr(1, close - 1));
        return ValueError::None;
    }
    // A comment marker only counts after whitespace, so "a=b#c" keeps "b#c".
    for (std::size_t i = 1; i < rest.size(); ++i) {
        if (is_comment_start(rest[i]) && is_space(rest[i - 1])) {
            rest = rest.substr(0, i);
            break;
        }
    }
    out.assign(trim(rest));
    return ValueError::None;
}

bool parse_digits(std::string_view v, unsigned long long& out) {
    if (v.empty())
        return false;
    for (char c : v)
        if (!is_digit(c))
            return false;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    return ec == std::errc{} && ptr == v.data() + v.size();
}

} // namespace

IniFile parse_ini(std::string_view text, std::string_view file_name) {
    IniFile ini;
    if (text.starts_with("\xEF\xBB\xBF"))
        text.remove_prefix(3);

    enum class Section { None, Valid, Invalid };
    Section state = Section::None;
    std::string section, section_written;
    auto warn = [&](std::string_view what, int line) {
        std::string w(what);
        w += " in ";
        w += where(file_name, line);
        ini.warnings.push_back(std::move(w));
    };

    std::size_t pos = 0;
    int line_no = 0;
    while (pos < text.size() && line_no < INT_MAX) {
        auto nl = text.find('\n', pos);
        auto end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (line.ends_with('\r'))
            line.remove_suffix(1);

        if (line.size() > kMaxLineLength) {
            warn("Line too long", line_no);
            continue;
        }
        if (line.find('\0') != std::string_view::npos) {
            warn("Invalid NUL byte", line_no);
            continue;
        }
        line = trim(line);
        if (line.empty() || is_comment_start(line.front()))
            continue;

        if (line.front() == '[') {
            auto close = line.find(']');
            std::string_view name;
            if (close != std::string_view::npos)
                name = trim(line.substr(1, close - 1));
            if (close == std::string_view::npos || !valid_name(name) ||
                !only_comment(line.substr(close + 1))) {
                warn("Invalid section name", line_no);
                // Keys below a broken header belong to no known section: skip them quietly
                // rather than attributing them to the previous section.
                state = Section::Invalid;
                continue;
            }
            section = lowered(name);
            section_written = std::string(name);
            state = Section::Valid;
            continue;
        }

        auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            warn("Expected ' = '", line_no);
            continue;
        }
        if (state == Section::Invalid)
            continue;
        if (state == Section::None) {
            warn("Key outside of a section", line_no);
            continue;
        }
        std::string_view key = trim(line.substr(0, eq));
        if (!valid_name(key)) {
            warn("Invalid key name", line_no);
            continue;
        }
        Entry e{section, lowered(key), {}, line_no, section_written + "." + std::string(key)};
        switch (parse_value(line.substr(eq + 1), e.value)) {
        case ValueError::None:
            ini.entries.push_back(std::move(e));
            break;
        case ValueError::Unterminated:
            warn("Unterminated quoted value", line_no);
            break;
        case ValueError::TrailingText:
            warn("Unexpected text after quoted value", line_no);
            break;
        }
    }
    return ini;
}

std::optional<bool> parse_bool(std::string_view v) {
    for (std::string_view t : {"true", "1", "yes", "on"})
        if (iequals(v, t))
            return true;
    for (std::string_view f : {"false", "0", "no", "off"})
        if (iequals(v, f))
            return false;
    return std::nullopt;
}

std::optional<long long> parse_int(std::string_view v) {
    bool negative = false;
    if (!v.empty() && (v.front() == '+' || v.front() == '-')) {
        negative = v.front() == '-';
        v.remove_prefix(1);
    }
    unsigned long long magnitude = 0;
    if (!parse_digits(v, magnitude))
        return std::nullopt;
    constexpr auto max = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
    if (negative) {
        if (magnitude > max + 1)
            return std::nullopt;
        if (magnitude == max + 1)
            return std::numeric_limits<long long>::min();
        return -static_cast<long long>(magnitude);
    }
    if (magnitude > max)
        return std::nullopt;
    return static_cast<long long>(magnitude);
}

std::optional<unsigned long long> parse_size(std::string_view v) {
    std::size_t digits = 0;
    while (digits < v.size() && is_digit(v[digits]))
        ++digits;
    unsigned long long number = 0;
    if (!parse_digits(v.substr(0, digits), number))
        return std::nullopt;

    std::string_view unit = v.substr(digits);
    unsigned shift = 0;
    if (unit.empty() || iequals(unit, "B"))
        shift = 0;
    else if (iequals(unit, "K") || iequals(unit, "KB"))
        shift = 10;
    else if (iequals(unit, "M") || iequals(unit, "MB"))
        shift = 20;
    else if (iequals(unit, "G") || iequals(unit, "GB"))
        shift = 30;
    else if (iequals(unit, "T") || iequals(unit, "TB"))
        shift = 40;
    else
        return std::nullopt;

    if (number > (std::numeric_limits<unsigned long long>::max() >> shift))
        return std::nullopt;
    return number << shift;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i]))
            return false;
    return true;
}

} // namespace wsl::config
