#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/child.h"
#include "runtime/idmap.h"
#include "service/channel.h"

namespace wsl::service {

// A file-system worker: this service's own binary re-executed as `__worker OP args...` in the
// caller's id-mapped user namespace. fd 3 is its status pipe (JSON lines: progress, warning,
// result, error); fds[i] become 4+i.
struct WorkerSpec {
    std::string op;
    std::vector<std::string> args; // key=value
    std::vector<int> fds;
};

class Workers {
public:
    explicit Workers(std::string self_exe) : self_exe_(std::move(self_exe)) {}
    const std::string& self_exe() const { return self_exe_; }

    // Runs one worker to the end, relaying its progress and warnings to ch (when given) and
    // killing it if the client hangs up. Returns its result object; throws its error.
    nlohmann::json run(const runtime::IdMap& map, const WorkerSpec& spec, Channel* ch) const;

    // Starts a worker whose status is not followed (the other end of a pipeline).
    runtime::Child start(const runtime::IdMap& map, const WorkerSpec& spec) const;

private:
    std::vector<std::string> argv(const WorkerSpec& spec) const;
    std::string self_exe_;
};

} // namespace wsl::service
