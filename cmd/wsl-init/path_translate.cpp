#include "path_translate.h"

#include <vector>

namespace wsl::init {

namespace {

constexpr size_t kMaxPath = 4096; // PATH_MAX: anything longer is no path the kernel takes

// The part of `path` below `dir` ("" for dir itself), or nullopt when it is not below it.
std::optional<std::string> below(const std::string& path, const std::string& dir) {
    if (dir == "/")
        return path == "/" ? std::string() : path.substr(1);
    if (path == dir)
        return std::string();
    if (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/')
        return path.substr(dir.size() + 1);
    return std::nullopt;
}

std::string join(const std::string& dir, const std::string& rest) {
    if (rest.empty())
        return dir;
    return dir.ends_with('/') ? dir + rest : dir + "/" + rest;
}

} // namespace

std::optional<std::string> collapse_path(std::string_view absolute) {
    if (absolute.empty() || absolute.front() != '/' || absolute.size() > kMaxPath)
        return std::nullopt;
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < absolute.size()) {
        size_t slash = absolute.find('/', i);
        if (slash == std::string_view::npos)
            slash = absolute.size();
        std::string_view part = absolute.substr(i, slash - i);
        i = slash + 1;
        if (part.empty() || part == ".")
            continue;
        if (part == "..") {
            if (parts.empty())
                return std::nullopt;
            parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    // wslpath keeps a trailing slash the caller wrote.
    if (out.empty() || (absolute.back() == '/' && !parts.empty()))
        out += '/';
    return out;
}

std::optional<std::string> translate_path(std::string_view path, PathMode mode, bool absolute,
                                          const PathContext& ctx) {
    if (path.empty() || path.size() > kMaxPath || path.find('\0') != std::string_view::npos)
        return std::nullopt;
    bool relative = path.front() != '/';
    // A relative path names the same directory entry on both sides: the working directory.
    auto full = collapse_path(relative ? join(ctx.cwd, std::string(path)) : std::string(path));
    if (!full)
        return std::nullopt;
    bool trailing = full->size() > 1 && full->back() == '/';
    std::string bare = trailing ? full->substr(0, full->size() - 1) : *full;

    std::string out;
    std::string out_cwd; // the working directory as the output side spells it
    if (mode == PathMode::ToDistro) {
        if (relative) {
            out = bare;
            out_cwd = ctx.cwd;
        } else {
            if (ctx.host_root.empty())
                return std::nullopt;
            out = join(ctx.host_root, bare == "/" ? std::string() : bare.substr(1));
        }
    } else {
        if (ctx.host_root.empty())
            return std::nullopt;
        auto rest = below(bare, ctx.host_root);
        if (!rest)
            return std::nullopt;
        out = "/" + *rest;
        if (relative)
            if (auto cwd_rest = below(ctx.cwd, ctx.host_root))
                out_cwd = "/" + *cwd_rest;
    }
    if (trailing && out != "/")
        out += '/';
    if (relative && !absolute && !out_cwd.empty()) {
        std::string plain = trailing && out != "/" ? out.substr(0, out.size() - 1) : out;
        if (auto r = below(plain, out_cwd)) {
            if (r->empty())
                return trailing ? std::string("./") : std::string(".");
            return trailing ? *r + "/" : *r;
        }
    }
    return out;
}

} // namespace wsl::init
