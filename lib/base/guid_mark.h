#pragma once
#include <string>

namespace wsl {

// A distro's private directory carries its guid in a file named "guid", so that a private
// directory is known to be this distro's, not just any of the same user's (someone who can
// rename a parent of the location could otherwise point it at another distro of theirs).
inline constexpr const char* kGuidMark = "guid";

// Writes guid into dir/guid (a new file, mode 0600) and syncs it. Throws WslError.
void write_guid_mark(int dir, const std::string& guid, const char* code);

// True when dir/guid names guid, or when dir has no mark at all (made before marks existed;
// with heal, it is marked now).
bool check_guid_mark(int dir, const std::string& guid, bool heal);

} // namespace wsl
