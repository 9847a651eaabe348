#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace wsl::registry {

// Persisted states; Running/Stopped are runtime-only and never stored.
enum class State { Installing, Installed, Converting, Exporting, Uninstalling };

std::string to_string(State s);
State state_from_string(const std::string& s);

// A distro's files are in <base>/private/ (kPrivateDir): a directory owned by the range's
// root with mode 0700, so that no other host user can reach into the tree whatever the mode
// of <base>. Layout 1 (before it) kept the tree at <base>/rootfs; the service converts it.
inline constexpr const char* kPrivateDir = "private";
inline constexpr int kLayout = 2;

struct Distro {
    std::string guid;
    std::string name;
    std::string base_path;        // directory holding private/rootfs/
    bool default_location = true; // base_path is the service's own <state>/users/<uid>/<guid>
    int layout = kLayout;
    // <base>/private was made by this distro's operation (so a failure or crash repair may
    // delete it). Recorded before anything is written in it.
    bool storage_created = false;
    int version = 1;
    unsigned default_uid = 0;
    State state = State::Installing;
    bool run_oobe = false;            // the next interactive shell runs the first-run setup
    std::string oobe_command;         // [oobe] command of its wsl-distribution.conf ("" = ours)
    std::optional<unsigned> oobe_uid; // [oobe] defaultUid: the default user once setup succeeds
    std::string flavor;
    std::string os_version;
    // A move in flight, so that a crash can be repaired: moving_to is set while files are
    // copied or renamed; moving_from names the old place until its files are deleted.
    std::string moving_to;
    bool moving_created = false; // <moving_to>/private was made by the move
    std::string moving_from;
    bool moving_from_default = false;
};

// One user's distros, default distro and default version.
struct UserRegistry {
    bool on_disk = false; // read from an existing file (not "no file yet")
    std::vector<Distro> distros;
    std::string default_guid;
    int default_version = 1;

    Distro* find_name(const std::string& name);
    Distro* find_guid(const std::string& guid);
    // Drops a distro; when it was the default, the first installed one left becomes it.
    void remove(const std::string& guid);
    // The default distro, or the first installed one when the default is unset.
    Distro* default_distro();
    // The first distro that is neither being installed nor uninstalled.
    Distro* default_distro_fallback();
};

// Names match ^[a-zA-Z0-9._-]{1,64}$ (and are not "." or "..").
bool valid_name(const std::string& name);
// The error for an invalid name, quoting at most 64 characters of it, control characters
// replaced: a client's megabyte never reaches a message or the log.
[[noreturn]] void invalid_name(const std::string& name);
bool same_name(const std::string& a, const std::string& b);
std::string new_guid();

// Reads a registry file; only a missing file is an empty registry. Throws WslError when it
// cannot be read (WSL_E_REGISTRY_UNREADABLE) or is corrupted (WSL_E_REGISTRY_CORRUPTED).
UserRegistry load(const std::filesystem::path& file);
// Atomic replace: temp file, fsync, rename, fsync dir.
void save(const std::filesystem::path& file, const UserRegistry& reg);

} // namespace wsl::registry
