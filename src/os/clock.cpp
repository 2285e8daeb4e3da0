#include "os/clock.h"

#include <chrono>

namespace tend::os {

WallTime SystemClock::wall_now() const
{
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

MonoTime SystemClock::mono_now() const
{
    return std::chrono::steady_clock::now();
}

}  // namespace tend::os
