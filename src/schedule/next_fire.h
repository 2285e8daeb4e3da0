// When a schedule fires next, in a zone, with the DST policy of the design:
//
// - hour field fixed (anything but `*` or `*/n`): a local time inside a gap
//   fires at the first instant after the gap (several such times fire once);
//   a local time that occurs twice fires at its first occurrence only;
// - hour field `*` or `*/n`: elapsed time; every instant whose local time
//   matches fires, so both copies of a repeated hour fire and a gap fires nothing.
//
// `every D` fires at the multiples of D since the Unix epoch, so its fire times
// do not depend on when the daemon started. `@reboot` has no next fire.
#pragma once

#include <optional>

#include "schedule/cron.h"
#include "schedule/zone.h"

namespace tend::schedule {

// The first fire strictly after `after`, or nothing (@reboot, or none within 30 years).
std::optional<UnixSeconds> next_fire(const Schedule& schedule, const Zone& zone, UnixSeconds after);

}  // namespace tend::schedule
