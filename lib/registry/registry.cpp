#include "registry/registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/bounded_json.h"
#include "base/error.h"
#include "base/unique_fd.h"

namespace wsl::registry {

using nlohmann::json;

namespace {
constexpr off_t kMaxRegistryBytes = 64 << 20;
const char* const kStateNames[] = {"Installing", "Installed", "Converting", "Exporting",
                                   "Uninstalling"};
} // namespace

std::string to_string(State s) {
    return kStateNames[static_cast<int>(s)];
}

State state_from_string(const std::string& s) {
    for (int i = 0; i < 5; ++i)
        if (s == kStateNames[i])
            return static_cast<State>(i);
    fail("WSL_E_REGISTRY_CORRUPTED", "Unknown distribution state '" + s + "' in the registry.");
}

Distro* UserRegistry::find_name(const std::string& name) {
    if (name.empty())
        return nullptr; // an install not named yet matches nothing
    for (auto& d : distros)
        if (same_name(d.name, name))
            return &d;
    return nullptr;
}

Distro* UserRegistry::find_guid(const std::string& guid) {
    for (auto& d : distros)
        if (d.guid == guid)
            return &d;
    return nullptr;
}

void UserRegistry::remove(const std::string& guid) {
    std::erase_if(distros, [&](const Distro& d) { return d.guid == guid; });
    // As wsl.exe: when the default goes, the next one listed becomes the stored default, so
    // that `wsl -l`, `--status` and the next import agree on it.
    if (default_guid == guid || !find_guid(default_guid)) {
        Distro* next = default_distro_fallback();
        default_guid = next ? next->guid : std::string();
    }
}

Distro* UserRegistry::default_distro_fallback() {
    for (auto& d : distros)
        if (d.state != State::Installing && d.state != State::Uninstalling)
            return &d;
    return nullptr;
}

Distro* UserRegistry::default_distro() {
    if (Distro* d = find_guid(default_guid))
        return d;
    return default_distro_fallback();
}

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || name == "." || name == "..")
        return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-';
    });
}

void invalid_name(const std::string& name) {
    std::string shown;
    for (char c : name.substr(0, 64))
        shown += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    if (name.size() > 64)
        shown += "...";
    // wsl.exe's text and code, then the rule.
    fail("E_INVALIDARG", fmt::format("Invalid distribution name: \"{}\".\nA name has 1 to 64 "
                                     "letters, digits, '.', '_' and '-'.",
                                     shown));
}

bool same_name(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string new_guid() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> byte(0, 255);
    unsigned char b[16];
    for (auto& x : b)
        x = static_cast<unsigned char>(byte(rd));
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // variant 1
    std::string s;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s += '-';
        s += fmt::format("{:02x}", b[i]);
    }
    return s;
}

static json to_json(const Distro& d) {
    return {{"guid", d.guid},
            {"name", d.name},
            {"basePath", d.base_path},
            {"defaultLocation", d.default_location},
            {"layout", d.layout},
            {"storageCreated", d.storage_created},
            {"version", d.version},
            {"defaultUid", d.default_uid},
            {"state", to_string(d.state)},
            {"runOobe", d.run_oobe},
            {"oobeCommand", d.oobe_command},
            {"oobeUid", d.oobe_uid ? json(*d.oobe_uid) : json(nullptr)},
            {"flavor", d.flavor},
            {"osVersion", d.os_version},
            {"movingTo", d.moving_to},
            {"movingCreated", d.moving_created},
            {"movingFrom", d.moving_from},
            {"movingFromDefault", d.moving_from_default}};
}

static Distro from_json(const json& j) {
    Distro d;
    d.guid = j.at("guid").get<std::string>();
    d.name = j.at("name").get<std::string>();
    d.base_path = j.at("basePath").get<std::string>();
    d.default_location = j.value("defaultLocation", true);
    // Records from before layout 2 name a tree that was always the service's own.
    d.layout = j.value("layout", 1);
    d.storage_created = j.value("storageCreated", d.layout == 1);
    d.version = j.value("version", 1);
    d.default_uid = j.value("defaultUid", 0u);
    d.state = state_from_string(j.at("state").get<std::string>());
    d.run_oobe = j.value("runOobe", false);
    d.oobe_command = j.value("oobeCommand", "");
    if (auto it = j.find("oobeUid"); it != j.end() && it->is_number_unsigned())
        d.oobe_uid = it->get<unsigned>();
    d.flavor = j.value("flavor", "");
    d.os_version = j.value("osVersion", "");
    d.moving_to = j.value("movingTo", "");
    d.moving_created = j.value("movingCreated", false);
    d.moving_from = j.value("movingFrom", "");
    d.moving_from_default = j.value("movingFromDefault", false);
    return d;
}

UserRegistry load(const std::filesystem::path& file) {
    // Only a file that is not there is an empty registry. Any other failure (no descriptor
    // left, EIO, a directory in its place) is an error: taking it as empty would let the next
    // change write an empty registry and crash repair delete the distros' storage.
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT)
            return {};
        fail_errno("WSL_E_REGISTRY_UNREADABLE",
                   fmt::format("The registry {} cannot be read", file.string()));
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        fail("WSL_E_REGISTRY_CORRUPTED",
             fmt::format("The registry {} is not a regular file.", file.string()));
    if (st.st_size > kMaxRegistryBytes)
        fail("WSL_E_REGISTRY_CORRUPTED", fmt::format("The registry {} is larger than {} bytes.",
                                                     file.string(), kMaxRegistryBytes));
    std::string text(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail_errno("WSL_E_REGISTRY_UNREADABLE",
                       fmt::format("The registry {} cannot be read", file.string()));
        if (n == 0)
            break;
        got += static_cast<size_t>(n);
    }
    text.resize(got);
    try {
        json j = parse_bounded(text, "WSL_E_REGISTRY_CORRUPTED", {16, 1u << 24});
        UserRegistry reg;
        reg.on_disk = true;
        reg.default_guid = j.value("defaultDistro", "");
        reg.default_version = j.value("defaultVersion", 1);
        for (const auto& d : j.at("distros"))
            reg.distros.push_back(from_json(d));
        return reg;
    } catch (const json::exception& e) {
        fail("WSL_E_REGISTRY_CORRUPTED",
             fmt::format("The registry {} is corrupted: {}", file.string(), e.what()));
    } catch (const WslError& e) {
        fail("WSL_E_REGISTRY_CORRUPTED",
             fmt::format("The registry {} is corrupted: {}", file.string(), e.what()));
    }
}

void save(const std::filesystem::path& file, const UserRegistry& reg) {
    json j = {{"defaultDistro", reg.default_guid},
              {"defaultVersion", reg.default_version},
              {"distros", json::array()}};
    for (const auto& d : reg.distros)
        j["distros"].push_back(to_json(d));
    write_atomically(file, j.dump(2) + "\n");
}

} // namespace wsl::registry
