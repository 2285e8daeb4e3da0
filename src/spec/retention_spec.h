// [retention]: how much history tend.db keeps. The daemon's housekeeping tick
// deletes what is past these limits, a small batch at a time (store/retention.h).
#pragma once

#include <chrono>
#include <cstdint>

#include "base/units.h"

namespace tend::spec {

struct RetentionSpec {
    Duration max_age = std::chrono::days(90);  // finished runs, items and events older than this go
    std::int64_t max_runs = 500'000;  // finished runs kept at most (the most recent)
    std::int64_t max_items = 500'000;  // finished items kept at most, each with its history
    std::int64_t max_events = 1'000'000;  // events kept at most
    bool operator==(const RetentionSpec&) const = default;
};

}  // namespace tend::spec
