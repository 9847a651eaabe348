#include "base/error.h"

#include <cerrno>
#include <cstring>
#include <map>

namespace wsl {

std::string default_message(const std::string& code) {
    static const std::map<std::string, std::string> texts = {
        {"WSL_E_DEFAULT_DISTRO_NOT_FOUND", "wsl has no installed distributions."},
        {"WSL_E_DISTRO_NOT_FOUND", "There is no distribution with the supplied name."},
        {"WSL_E_USER_NOT_FOUND", "User not found."},
        {"WSL_E_NOT_A_LINUX_DISTRO", "The imported file is not a valid Linux distribution."},
        {"WSL_E_DISTRO_NOT_STOPPED", "The distribution is not stopped."},
        {"E_ILLEGAL_STATE_CHANGE",
         "An install, uninstall, or conversion is in progress for this distribution."},
        {"ERROR_ALREADY_EXISTS", "A distribution with the supplied name already exists. Use "
                                 "--name to choose a different name."},
        {"ERROR_FILE_EXISTS", "The supplied install location is already in use."},
        {"WSL_E_INVALID_DISTRO_NAME", "Invalid distribution name."},
        {"WSL_E_VM_MODE_INVALID_STATE",
         "Version 2 (VM mode) is not available yet in this build; use --version 1."},
        {"WSL_E_DISTRO_ALREADY_VERSION", "The distribution is already the requested version."},
    };
    auto it = texts.find(code);
    return it == texts.end() ? std::string{} : it->second;
}

void fail(const std::string& code) {
    throw WslError(code, default_message(code));
}

void fail(const std::string& code, const std::string& message) {
    throw WslError(code, message);
}

void fail_errno(const std::string& code, const std::string& what) {
    throw WslError(code, what + ": " + std::strerror(errno));
}

} // namespace wsl
