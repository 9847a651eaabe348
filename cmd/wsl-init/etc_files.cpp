#include "etc_files.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>

#include "base/error.h"
#include "base/unique_fd.h"

namespace wsl::init {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

template <typename F> void each_line(std::string_view text, F f) {
    while (!text.empty()) {
        size_t nl = text.find('\n');
        f(text.substr(0, nl));
        if (nl == std::string_view::npos)
            break;
        text.remove_prefix(nl + 1);
    }
}

const char kHeader[] = "# Written by wsl for Linux each time this distribution starts.\n"
                       "# To keep your own copy, set this in /etc/wsl.conf:\n"
                       "#   [network]\n";

} // namespace

std::vector<std::string> split_options(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        size_t comma = text.find(',');
        auto part = trim(text.substr(0, comma));
        if (!part.empty())
            out.emplace_back(part);
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

std::string hosts_text(const std::string& hostname, std::string_view host_hosts) {
    std::string out = std::string(kHeader) + "#   generateHosts = false\n\n";
    out += "127.0.0.1\tlocalhost\n";
    out += "127.0.1.1\t" + hostname + ".localdomain\t" + hostname + "\n";
    bool v6 = false;
    each_line(host_hosts, [&](std::string_view line) {
        line = trim(line);
        if (line.empty() || line.front() == '#')
            return;
        // The host's own loopback names would shadow the distro's hostname.
        if (line.starts_with("127.0.0.1") || line.starts_with("127.0.1.1"))
            return;
        v6 = v6 || line.starts_with("::1");
        out.append(line);
        out += '\n';
    });
    if (!v6)
        out += "::1\tip6-localhost ip6-loopback\n";
    return out;
}

std::string resolv_text(std::string_view host_resolv) {
    std::string out = std::string(kHeader) + "#   generateResolvConf = false\n\n";
    each_line(host_resolv, [&](std::string_view line) {
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';')
            return;
        out.append(line);
        out += '\n';
    });
    return out;
}

std::string read_file(const char* path, size_t limit) {
    std::string text;
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd)
        return text;
    char buf[16384];
    ssize_t n;
    while (text.size() < limit && (n = ::read(fd.get(), buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    return text;
}

void replace_file(const std::string& path, const std::string& text) {
    std::string tmp = path + ".wsl-new";
    ::unlink(tmp.c_str());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd)
        fail_errno("WSL_E_INIT_FAILED", "Cannot write " + path);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        fail_errno("WSL_E_INIT_FAILED", "Cannot write " + path);
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        fail_errno("WSL_E_INIT_FAILED", "Cannot replace " + path);
}

std::string hostname_for(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 64)) {
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        out += ok ? c : '-';
    }
    return out.empty() ? "localhost" : out;
}

std::string host_name() {
    utsname u{};
    if (::uname(&u) != 0)
        return {};
    return u.nodename;
}

} // namespace wsl::init
