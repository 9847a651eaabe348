#pragma once

namespace wsl::runtime {

// Removes everything inside the directory dirfd without following symlinks; works on trees
// deeper than PATH_MAX. Throws WslError naming the first entry it could not remove.
void empty_directory(int dirfd);

// Removes the directory `name` in parent and everything in it. Missing is fine.
void remove_tree(int parent, const char* name);

} // namespace wsl::runtime
