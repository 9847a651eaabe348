#include "setup_prompt.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "config/passwd.h"

namespace wsl::cli {

namespace {

// One line from the terminal, byte by byte (nothing is buffered past it for the session that
// follows); nullopt on end of input or an interrupting signal.
std::optional<std::string> read_line(const char* prompt, bool echo) {
    termios saved{};
    bool quiet = !echo && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (quiet) {
        // Echo goes off before the prompt shows, so nothing typed after it is lost.
        termios t = saved;
        t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
    }
    fmt::print("{}", prompt);
    std::fflush(stdout);
    std::string line;
    bool ok = false;
    for (;;) {
        char c;
        ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n <= 0)
            break;
        if (c == '\n') {
            ok = true;
            break;
        }
        if (c != '\r' && line.size() < 4096)
            line += c;
    }
    if (quiet) {
        ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
        fmt::print("\n");
    } else if (!ok) {
        fmt::print("\n"); // end of input: the next message starts on its own line
    }
    std::fflush(stdout);
    if (!ok)
        return std::nullopt;
    return line;
}

} // namespace

std::optional<std::pair<std::string, std::string>> prompt_account() {
    for (;;) {
        auto name = read_line("Enter new UNIX username: ", true);
        if (!name)
            return std::nullopt;
        if (!config::valid_user_name(*name)) {
            fmt::print("Invalid username. A valid username must start with a lowercase letter or "
                       "underscore, and can contain lowercase letters, digits, underscores, and "
                       "dashes (at most 32).\n");
            continue;
        }
        for (;;) {
            auto first = read_line("New password: ", false);
            if (!first)
                return std::nullopt;
            auto second = read_line("Retype new password: ", false);
            if (!second)
                return std::nullopt;
            if (*first != *second)
                fmt::print("Sorry, passwords do not match.\n");
            else if (first->empty())
                fmt::print("No password has been supplied.\n");
            else if (first->find(':') != std::string::npos)
                fmt::print("The password cannot contain ':'.\n");
            else
                return std::make_pair(*name, *first);
        }
    }
}

} // namespace wsl::cli
