#include "connections.h"

#include <algorithm>

namespace wsl {

Connections::Verdict Connections::admit(uid_t uid) {
    std::lock_guard lock(m_);
    if (total_ >= limits_.connections)
        return Verdict::ServiceFull;
    int& mine = per_user_[uid];
    if (mine >= limits_.connections_per_user)
        return Verdict::UserFull;
    ++mine;
    ++total_;
    return Verdict::Admitted;
}

void Connections::release(uid_t uid) {
    std::lock_guard lock(m_);
    auto it = per_user_.find(uid);
    if (it == per_user_.end())
        return;
    --total_;
    if (--it->second <= 0)
        per_user_.erase(it);
}

int Connections::total() const {
    std::lock_guard lock(m_);
    return total_;
}

bool LogLimiter::allow(uid_t uid, unsigned long* dropped) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(m_);
    auto it = buckets_.try_emplace(uid, Bucket{burst_, now}).first;
    Bucket& b = it->second;
    double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.at = now;
    if (b.tokens < 1) {
        ++b.dropped;
        return false;
    }
    b.tokens -= 1;
    *dropped = b.dropped;
    b.dropped = 0;
    // Users who went quiet with a full bucket need no entry.
    if (buckets_.size() > 4096)
        std::erase_if(buckets_, [&](const auto& kv) {
            return kv.second.dropped == 0 &&
                   kv.second.tokens +
                           std::chrono::duration<double>(now - kv.second.at).count() * rate_ >=
                       burst_;
        });
    return true;
}

} // namespace wsl
