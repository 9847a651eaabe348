// wsl: the command line, in wsl.exe's grammar. Talks to wslservice over its socket.
#include <fmt/format.h>

#include "args.h"
#include "base/error.h"
#include "commands.h"
#include "help.h"
#include "render.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return wsl::cli::run(wsl::cli::parse(args));
    } catch (const wsl::cli::UsageError& e) {
        // Each case in the form wsl.exe prints it (see UsageError).
        std::string text = e.usage ? wsl::cli::usage_text() : std::string(e.what()) + "\n";
        if (e.hint)
            text += "Please use 'wsl --help' to get a list of supported arguments.\n";
        if (e.usage)
            text += "Error code: Wsl/WSL_E_INVALID_USAGE\n";
        else if (!e.code.empty())
            text += "Error code: Wsl/" + e.code + "\n";
        fmt::print(stderr, "{}", text);
    } catch (const wsl::WslError& e) {
        std::string text = e.what();
        if (text.empty())
            text = wsl::default_message(e.code());
        if (e.code() == "WSL_E_SERVICE_NOT_RUNNING") { // one clear line, nothing else
            fmt::print(stderr, "wsl: {}\n", text);
            return 255;
        }
        fmt::print(stderr, "{}", wsl::cli::render_error(text, e.context(), e.code()));
    } catch (const std::exception& e) {
        fmt::print(stderr, "{}",
                   wsl::cli::render_error(e.what(), wsl::cli::kClientContext, "E_UNEXPECTED"));
    }
    return 255;
}
