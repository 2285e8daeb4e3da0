// The clock seam: the real clock reads the kernel; tests substitute a fake.
#pragma once

#include "base/time.h"

namespace tend::os {

class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual WallTime wall_now() const = 0;
    [[nodiscard]] virtual MonoTime mono_now() const = 0;
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] WallTime wall_now() const override;
    [[nodiscard]] MonoTime mono_now() const override;
};

}  // namespace tend::os
