#pragma once
#include "archive/detect.h"
#include "archive/events.h"

namespace wsl::archive {

// Packs the current directory into out_fd: entries rooted at ./, numeric owners only, xattrs
// and ACLs, each hardlinked file stored once, sparse files as sparse entries, one file system.
// zstd runs with `threads` workers. Run it chrooted into the tree. Throws WslError.
void pack(int out_fd, Format format, unsigned threads, const Events& events);

} // namespace wsl::archive
