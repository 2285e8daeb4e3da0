// Which release directories a finished deploy or rollback deletes.
//
// Good releases (live or previous) are kept newest first up to `keep`, the
// live one counted. Never deleted whatever `keep` says: the live release, the
// newest good release older than it (what `tend rollback` goes back to), and
// `switched_from` (jobs may still be running in it). Failed releases never
// count toward `keep` and their directories go at once (a build that filled
// the disk must not keep it full; the deploy log keeps what they printed).
// Releases still building are never touched.
#pragma once

#include <cstdint>
#include <vector>

#include "store/releases.h"

namespace tend::deploy {

std::vector<std::int64_t> releases_to_remove(
    const std::vector<store::Release>& releases, int keep, std::int64_t switched_from = 0);

}  // namespace tend::deploy
