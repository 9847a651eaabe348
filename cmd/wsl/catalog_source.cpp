#include "catalog_source.h"

#include <sys/stat.h>

#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/small_file.h"
#include "catalog/http.h"
#include "catalog/sha256.h"
#include "render.h"
#include "user_config.h"

namespace wsl::cli {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxManifest = 16 << 20;

fs::path cache_dir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/')
        return fs::path(x) / "wsl";
    return fs::path(home_dir()) / ".cache" / "wsl";
}

// Fetches a manifest URL, revalidating the cached copy by ETag; falls back to the cache when
// the network fails. A malformed fresh copy is an error and never replaces a good cache.
catalog::Manifest load_url(const std::string& url, bool offline) {
    if (url.rfind("file:", 0) == 0) {
        catalog::Fetched f = catalog::fetch(url, "", kMaxManifest, catalog::default_http_options());
        return catalog::parse_manifest(f.body, url);
    }
    catalog::Sha256 h;
    h.update(url.data(), url.size());
    fs::path file =
        cache_dir() / ("catalog-" + catalog::to_hex(h.finish()).substr(0, 16) + ".json");
    fs::path etag_file = file;
    etag_file.replace_extension(".etag");
    std::optional<std::string> cached = read_small_file(file.c_str(), kMaxManifest);
    std::string etag;
    if (cached)
        etag = read_small_file(etag_file.c_str(), 1024).value_or("");

    if (offline) {
        if (!cached)
            throw WslError("WSL_E_CATALOG_NOT_CACHED",
                           fmt::format("The distribution list from '{}' has not been fetched yet. "
                                       "Run 'wsl --list --online' once to fetch it.",
                                       url));
        return catalog::parse_manifest(*cached, file.string());
    }
    catalog::Fetched f;
    try {
        f = catalog::fetch(url, etag, kMaxManifest, catalog::default_http_options());
    } catch (const WslError& e) {
        if (!cached)
            throw WslError(
                e.code(),
                fmt::format("Failed to fetch the distribution list from '{}'. {}", url, e.what()));
        struct stat st {};
        ::stat(file.c_str(), &st);
        char when[64] = "an earlier run";
        if (st.st_mtime)
            std::strftime(when, sizeof when, "%Y-%m-%d %H:%M", std::localtime(&st.st_mtime));
        print_warning(fmt::format("{} Using the distribution list cached on {}.", e.what(), when));
        return catalog::parse_manifest(*cached, file.string());
    }
    if (f.status == 304)
        return catalog::parse_manifest(*cached, file.string());
    catalog::Manifest m = catalog::parse_manifest(f.body, url);
    try {
        std::error_code ec;
        fs::create_directories(file.parent_path(), ec);
        write_atomically(file, f.body);
        write_atomically(etag_file, f.etag);
    } catch (const WslError&) {
        // A cache that cannot be written only costs a download next time.
    }
    return m;
}

} // namespace

std::string Catalog::default_name() const {
    // As wsl.exe: the override list's Default wins over the base list's.
    if (override_list && !override_list->default_name.empty())
        return override_list->default_name;
    return base.default_name;
}

Catalog load_catalog(bool offline) {
    const config::WslConfig& cfg = user_settings();
    Catalog c;
    c.base = cfg.distribution_list_url.empty()
                 ? catalog::parse_manifest(catalog::builtin_manifest(), "(built in)")
                 : load_url(cfg.distribution_list_url, offline);
    if (!cfg.distribution_list_url_append.empty())
        c.override_list = load_url(cfg.distribution_list_url_append, offline);
    return c;
}

catalog::Image find_image(const Catalog& c, const std::string& name) {
    if (c.override_list) {
        if (auto img = catalog::lookup(*c.override_list, name)) {
            print_warning(fmt::format( // wsl.exe's text, then where the list comes from
                "The distribution \"{}\" is provided by an override manifest "
                "(distributionListUrlAppend in ~/.wslconfig).",
                name));
            return *img;
        }
    }
    if (auto img = catalog::lookup(c.base, name))
        return *img;
    throw WslError("WSL_E_DISTRO_NOT_FOUND",
                   fmt::format("Invalid distribution name: '{}'.\nTo get a list of valid "
                               "distributions, use 'wsl --list --online'.",
                               name),
                   "/InstallDistro");
}

} // namespace wsl::cli
