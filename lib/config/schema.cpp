#include "config/schema.h"

namespace wsl::config {
namespace {

bool matches(std::string_view spec, const Entry& e) {
    auto dot = spec.find('.');
    if (dot == std::string_view::npos)
        return false;
    std::string_view section = spec.substr(0, dot);
    std::string_view key = spec.substr(dot + 1);
    return iequals(section, e.section) && (key == "*" || iequals(key, e.key));
}

std::optional<Value> convert(KeyType type, const std::string& text) {
    switch (type) {
    case KeyType::Bool:
        if (auto b = parse_bool(text))
            return Value{*b};
        return std::nullopt;
    case KeyType::Int:
        if (auto i = parse_int(text))
            return Value{*i};
        return std::nullopt;
    case KeyType::Size:
        if (auto s = parse_size(text))
            return Value{*s};
        return std::nullopt;
    case KeyType::String:
    case KeyType::Ignored:
        break;
    }
    return Value{std::string_view(text)};
}

} // namespace

void apply_schema(const IniFile& ini, std::span<const KeySpec> keys, std::string_view file_name,
                  std::vector<std::string>& warnings) {
    auto location = [&](const Entry& e) {
        return e.written + "' in " + std::string(file_name) + ":" + std::to_string(e.line);
    };
    for (const Entry& e : ini.entries) {
        const KeySpec* spec = nullptr;
        for (const KeySpec& k : keys) {
            if (matches(k.name, e)) {
                spec = &k;
                break;
            }
        }
        if (!spec) {
            warnings.push_back("Unknown key '" + location(e));
            continue;
        }
        if (spec->type == KeyType::Ignored || !spec->set)
            continue;
        auto value = convert(spec->type, e.value);
        if (!value || !spec->set(*value))
            warnings.push_back("Invalid value '" + e.value + "' for key '" + location(e));
    }
}

KeySpec bool_key(std::string_view name, bool& target) {
    return {name, KeyType::Bool, [&target](const Value& v) {
                target = std::get<bool>(v);
                return true;
            }};
}

namespace {
template <typename Target>
KeySpec ranged_int(std::string_view name, Target& target, long long min, long long max) {
    return {name, KeyType::Int, [&target, min, max](const Value& v) {
                long long i = std::get<long long>(v);
                if (i < min || i > max)
                    return false;
                target = i;
                return true;
            }};
}
} // namespace

KeySpec int_key(std::string_view name, long long& target, long long min, long long max) {
    return ranged_int(name, target, min, max);
}

KeySpec int_key(std::string_view name, std::optional<long long>& target, long long min,
                long long max) {
    return ranged_int(name, target, min, max);
}

KeySpec size_key(std::string_view name, std::optional<unsigned long long>& target,
                 unsigned long long min) {
    return {name, KeyType::Size, [&target, min](const Value& v) {
                unsigned long long s = std::get<unsigned long long>(v);
                if (s < min)
                    return false;
                target = s;
                return true;
            }};
}

KeySpec string_key(std::string_view name, std::string& target) {
    return {name, KeyType::String, [&target](const Value& v) {
                target = std::get<std::string_view>(v);
                return true;
            }};
}

KeySpec ignored_key(std::string_view name) {
    return {name, KeyType::Ignored, {}};
}

void parse_with_schema(std::string_view text, std::string_view file_name,
                       std::span<const KeySpec> keys, std::vector<std::string>& warnings) {
    IniFile ini = parse_ini(text, file_name);
    warnings = std::move(ini.warnings);
    apply_schema(ini, keys, file_name, warnings);
}

} // namespace wsl::config
