#pragma once
#include <stdexcept>
#include <string>

namespace wsl {

// An error that crosses a module edge: a WSL error code name (WSL_E_IMPORT_FAILED, ...),
// the context it happened in (RegisterDistro, ...) and a message for the user.
class WslError : public std::runtime_error {
public:
    WslError(std::string code, std::string message, std::string context = {})
        : std::runtime_error(message), code_(std::move(code)), context_(std::move(context)) {}

    const std::string& code() const { return code_; }
    const std::string& context() const { return context_; }
    void set_context(std::string c) {
        if (context_.empty())
            context_ = std::move(c);
    }

private:
    std::string code_;
    std::string context_;
};

// wsl.exe's default text for a code, or an empty string.
std::string default_message(const std::string& code);

// Throws WslError(code, default_message(code)).
[[noreturn]] void fail(const std::string& code);
[[noreturn]] void fail(const std::string& code, const std::string& message);

// Throws WslError(code, "<what>: <strerror(errno)>") using the current errno.
[[noreturn]] void fail_errno(const std::string& code, const std::string& what);

} // namespace wsl
