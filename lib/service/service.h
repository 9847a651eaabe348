#pragma once
#include <sys/types.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "protocol/frame.h"
#include "registry/registry.h"
#include "runtime/idmap.h"
#include "runtime/instance.h"
#include "service/channel.h"
#include "service/worker.h"

namespace wsl::service {

struct Caller {
    uid_t uid = 0;
    gid_t gid = 0;
    pid_t pid = 0;
};

// The LxssManager of this project: per-user registries, operations on distros, and the
// repair of what a crash left behind. Thread-safe; one thread per request.
class Service {
public:
    Service(std::filesystem::path state_dir, std::string self_exe);

    // Finishes or rolls back operations a crash interrupted, for every user.
    void recover();
    // Kills distros a previous service left running (their init had no one to answer to).
    void kill_leftovers();

    // True when no distro runs and no operation is in flight: the service may exit, since
    // everything it knows is on disk. Never blocks: a user's lock in use counts as busy.
    bool idle();

    // True for an id of some user's distros (a process inside a distro, or of a user's own
    // subordinate range): never a caller the service serves.
    bool is_distro_id(uid_t uid) { return uid != 0 && ids_.is_distro_id(uid); }

    // Runs one request; returns the result object or throws WslError.
    nlohmann::json handle(const Caller& caller, protocol::Message& req, Channel& ch);

private:
    struct User {
        std::mutex m;
        registry::UserRegistry reg;
        // False when reg may differ from the file (a save failed and so did the reload): no
        // change is saved until user() has read the file again.
        std::atomic<bool> reg_valid = true;
        std::set<std::string> busy; // guids with an operation in flight
        std::filesystem::path dir;
        uid_t uid = 0;
        std::map<std::string, std::shared_ptr<runtime::Instance>> running; // by guid
        std::set<std::string> in_setup; // guids whose first-run setup a client is running
        std::condition_variable setup_done;
        // Distros whose instance is starting or stopping, which happens without the lock (a
        // systemd distro takes seconds to boot: the user's other requests go on meanwhile).
        // Whoever needs one of them waits on `settled` until it has.
        std::set<std::string> starting;
        std::map<std::string, int> stopping; // guid -> parties yet to finish stopping it
        std::condition_variable settled;
    };
    // Where a distro's storage is reached from: an fd the service opened, or a path that the
    // worker opens inside the user namespace (a non-root user's own directory).
    struct Base {
        UniqueFd fd;
        std::string path;
        bool top_in_worker = true; // the worker may create/remove rootfs in it
        bool by_service = false;   // the service opens it (its own paths and root's)
    };
    // Marks a distro as having an operation in flight; construct under the user's lock.
    class Busy {
    public:
        Busy(User& u, const std::string& guid);
        ~Busy();

    private:
        User& u_;
        std::string guid_;
    };

    // The caller's User, loaded on first use; throws when its registry cannot be read.
    User& user(uid_t uid);
    std::unique_ptr<User> load_user(uid_t uid);
    void recover_user(uid_t uid);
    // Writes u's registry. When that fails, u's records are reloaded from disk before the
    // error goes on, so memory never runs ahead of what a restart would see.
    void save(User& u);
    // The registry is JSON text: a storage path it cannot hold is refused up front.
    static void require_utf8_path(const std::string& path);
    registry::Distro& find(User& u, const std::string& name);
    // Storage (storage.cpp). The tree lives in <base>/private (registry::kPrivateDir), which
    // the range's root owns with mode 0700: no other host user can reach into it.
    Base open_base(const registry::Distro& d, uid_t uid, bool must_exist);
    // Adds the worker arguments that reach d's private directory in base: base=, and for
    // root's own directories (which the worker may not search) private=@N with the fd the
    // service opened, kept in `held`; dir=rootfs for a tree of layout 1. Returns false when
    // the service finds no private directory there, and throws when the one there is not
    // owned by `owner` (the range's root on the host).
    static bool add_private(WorkerSpec& spec, const Base& base, const registry::Distro& d,
                            UniqueFd& held, uid_t owner);
    static std::string next_fd(const WorkerSpec& spec);
    // Makes <base>/private, owned by the range's root, mode 0700: in the worker (a user's
    // own directory, so the kernel checks the user may write there) or, in root's own
    // directories, by the service; marked with guid (base/guid_mark.h). Throws
    // ERROR_FILE_EXISTS when something is there already.
    void create_private(const Base& base, const runtime::IdMap& map, const std::string& guid,
                        const char* code);
    // Deletes d's private directory and all in it, and a default location's own directory.
    // With owned false (the operation may not have made it) only an empty one goes;
    // default_dir false keeps the default location's directory.
    void remove_storage(const registry::Distro& d, const runtime::IdMap& map, bool owned = true,
                        bool default_dir = true);
    // What is at d's base: {"private", "rootfs" (inside private), "legacy" (<base>/rootfs)}.
    nlohmann::json storage_state(const registry::Distro& d, const runtime::IdMap& map);
    // Puts a tree of layout 1 into a private directory (once, at start-up).
    void convert_layout(User& u, const registry::Distro& d, const runtime::IdMap& map);
    // Copies or renames d's tree into the target directory (fd); throws, leaving no copy.
    void relocate(User& u, const registry::Distro& d, int target, const std::string& target_path,
                  const runtime::IdMap& map, Channel& ch);
    // Finishes or rolls back a move a crash interrupted.
    void repair_move(User& u, registry::Distro d, const runtime::IdMap& map);
    // Applies change to the record of guid and saves, under the user's lock.
    template <typename F> void update(User& u, const std::string& guid, F change) {
        std::lock_guard lock(u.m);
        if (registry::Distro* rec = u.reg.find_guid(guid)) {
            change(*rec);
            save(u);
        }
    }
    unsigned threads() const;

    nlohmann::json list(User& u);
    nlohmann::json status(User& u);
    nlohmann::json import_distro(const Caller& c, const nlohmann::json& req,
                                 std::vector<UniqueFd>& fds, Channel& ch);
    nlohmann::json install_distro(const Caller& c, const nlohmann::json& req,
                                  std::vector<UniqueFd>& fds, Channel& ch);
    // Registers a distro from an archive stream: import, or install (which waits for the
    // client to confirm the download's digest and reads the image's wsl-distribution.conf).
    nlohmann::json add_distro(const Caller& c, const nlohmann::json& req,
                              std::vector<UniqueFd>& fds, Channel& ch, bool install);
    // Tells the client the tree is extracted and waits for its commit; throws E_ABORT otherwise.
    static void await_commit(Channel& ch);
    // First-run settings and, for an unnamed install, the name (under u's lock).
    static void apply_distribution_conf(User& u, registry::Distro& d, const nlohmann::json& conf);
    nlohmann::json export_distro(const Caller& c, const nlohmann::json& req,
                                 std::vector<UniqueFd>& fds, Channel& ch);
    nlohmann::json unregister(const Caller& c, const nlohmann::json& req);
    nlohmann::json move(const Caller& c, const nlohmann::json& req, std::vector<UniqueFd>& fds,
                        Channel& ch);
    nlohmann::json rename(User& u, const nlohmann::json& req);
    nlohmann::json set_default(User& u, const nlohmann::json& req);
    nlohmann::json set_default_version(User& u, const nlohmann::json& req);
    nlohmann::json run(User& u, const nlohmann::json& req, std::vector<UniqueFd>& fds, Channel& ch);
    nlohmann::json terminate(User& u, const nlohmann::json& req,
                             std::unique_lock<std::mutex>& lock);
    nlohmann::json shutdown(User& u, std::unique_lock<std::mutex>& lock);
    nlohmann::json set_default_user(const Caller& c, const nlohmann::json& req, Channel& ch);

    // The first-run setup (OOBE) of an installed distro, before its first interactive shell:
    // the image's [oobe] command, or ours, which asks for a user to create. Launches wait while
    // another client runs it. Called and returns with `lock` (u.m) held.
    void first_run(User& u, std::unique_lock<std::mutex>& lock, const std::string& guid,
                   const nlohmann::json& req, std::array<int, 3> stdio, Channel& ch);
    // Runs the setup; returns the default uid to store, if any. Unlocks while the client works.
    std::optional<unsigned> setup_command(User& u, std::unique_lock<std::mutex>& lock,
                                          const registry::Distro& d, const nlohmann::json& req,
                                          std::array<int, 3> stdio, Channel& ch);
    unsigned setup_builtin(User& u, std::unique_lock<std::mutex>& lock, const registry::Distro& d,
                           const nlohmann::json& req, std::array<int, 3> stdio, Channel& ch);
    // Runs argv as root in d with stdin fed from `input` and stdout captured (at most 4 KiB,
    // within `limit`); stderr goes to err. Takes and releases the lock itself.
    struct Captured {
        int status = -1;
        std::string out;
    };
    Captured capture(User& u, const registry::Distro& d, const nlohmann::json& argv,
                     const std::string& input, int err, const nlohmann::json& config,
                     std::chrono::seconds limit, Channel& ch);
    static std::filesystem::path find_init(const std::string& self_exe);
    // The distro's instance, started if needed. Called and returns with `lock` (u.m) held,
    // which it releases while the instance starts.
    std::shared_ptr<runtime::Instance> ensure_running(User& u, const registry::Distro& d,
                                                      const nlohmann::json& config, Channel& ch,
                                                      std::unique_lock<std::mutex>& lock);
    // Starts a session in d (its instance too, if needed) with the given stdio; returns the
    // client's end of the session socket. Called and returns with `lock` held.
    UniqueFd open_session(User& u, const registry::Distro& d, const nlohmann::json& req,
                          std::array<int, 3> stdio, Channel& ch,
                          std::unique_lock<std::mutex>& lock);
    // Takes a distro for an operation that needs it stopped and to itself: checks its state is
    // one of `allowed`, marks it busy (in `busy`), stops it, records `to` when given, and
    // returns a copy of the record.
    registry::Distro claim(User& u, const std::string& name,
                           std::initializer_list<registry::State> allowed,
                           std::optional<registry::State> to, std::unique_ptr<Busy>& busy);
    // Stops d's instance if it runs (or once it has started) and waits until every process of
    // it is gone. Called and returns with `lock` held, which it releases while it waits.
    void stop_instance(User& u, std::string guid, std::unique_lock<std::mutex>& lock);
    // No start or stop of guid in progress (under lock).
    static bool settled(const User& u, const std::string& guid);
    // One party has finished stopping guid (under lock); wakes the waiters.
    static void settle(User& u, const std::string& guid);
    // One thread per instance: idle reports, the idle timeout, and reaping init.
    void monitor(User& u, std::shared_ptr<runtime::Instance> inst);

    std::filesystem::path state_dir_;
    Workers workers_;
    runtime::IdAllocator ids_;
    std::filesystem::path init_path_; // opened at each start: a rebuilt wsl-init is used at once
    std::mutex users_mutex_;
    std::map<uid_t, std::unique_ptr<User>> users_;
};

} // namespace wsl::service
