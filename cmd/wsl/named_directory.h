#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace wsl::cli {

// A directory the user named, created like mkdir -p (as this user) and opened. Unless kept,
// the directories it created are removed again, so a failed command leaves none behind.
class NamedDirectory {
public:
    explicit NamedDirectory(const std::string& path);
    ~NamedDirectory() {
        if (!keep_)
            undo();
    }
    NamedDirectory(const NamedDirectory&) = delete;
    NamedDirectory& operator=(const NamedDirectory&) = delete;
    int fd() const { return fd_.get(); }
    void keep() { keep_ = true; }

private:
    void undo();
    UniqueFd fd_;
    std::vector<std::filesystem::path> created_;
    bool keep_ = false;
};

} // namespace wsl::cli
