#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace wsl::init {

// "a,b , c" -> {"a", "b", "c"}.
std::vector<std::string> split_options(std::string_view text);

// The distro's /etc/hosts: its own names, then the host's entries (same network).
std::string hosts_text(const std::string& hostname, std::string_view host_hosts);

// The distro's /etc/resolv.conf: the host's resolvers (same network namespace).
std::string resolv_text(std::string_view host_resolv);

// At most `limit` bytes of a file, or "" when it cannot be opened. The open does not block,
// so a FIFO planted in the distro cannot stall init.
std::string read_file(const char* path, size_t limit);

// Replaces path (a symlink included) with a regular file holding text, atomically.
void replace_file(const std::string& path, const std::string& text);

// A usable hostname from a name: [A-Za-z0-9.-] kept, anything else becomes '-', max 64.
std::string hostname_for(std::string_view name);

// This uts namespace's hostname (uname's nodename).
std::string host_name();

} // namespace wsl::init
