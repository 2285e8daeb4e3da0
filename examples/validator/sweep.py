"""A scheduled job: sweeps the (imaginary) upload area and reports what it found."""

import os

print(f"sweep run {os.environ.get('TEND_RUN')} for the fire of {os.environ.get('TEND_FIRE_TIME', 'now')}: "
      f"0 stale uploads", flush=True)
