#include "deploy/retention.h"

#include <algorithm>

namespace tend::deploy {

std::vector<std::int64_t> releases_to_remove(
    const std::vector<store::Release>& releases, int keep, std::int64_t switched_from)
{
    std::vector<const store::Release*> newest_first;
    std::int64_t live = 0;
    for (const store::Release& release : releases) {
        if (release.removed)
            continue;
        newest_first.push_back(&release);
        if (release.state == "live")
            live = release.id;
    }
    std::sort(newest_first.begin(), newest_first.end(), [](const auto* a, const auto* b) { return a->id > b->id; });
    std::int64_t rollback_target = 0;
    for (const store::Release* release : newest_first) {
        if (release->state == "previous" && release->id < live) {
            rollback_target = release->id;
            break;
        }
    }
    std::vector<std::int64_t> out;
    int good_seen = live != 0 ? 1 : 0;  // the live release takes the first place
    for (const store::Release* release : newest_first) {
        if (release->state == "previous") {
            ++good_seen;
            bool protected_release = release->id == rollback_target || release->id == switched_from;
            if (good_seen > keep && !protected_release)
                out.push_back(release->id);
        } else if (release->state == "failed") {
            out.push_back(release->id);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace tend::deploy
