# Evidence workload (Python): holds MIB mebibytes in 1 MiB bytes objects (built by repetition, so every
# page is written and resident), keeps them for HOLD_MS and exits 0.
# Usage: python3 hold.py MIB [HOLD_MS]
import sys
import time

mib = int(sys.argv[1])
hold_ms = int(sys.argv[2]) if len(sys.argv) > 2 else 300
held = [bytes([(i % 255) + 1]) * (1024 * 1024) for i in range(mib)]
time.sleep(hold_ms / 1000)
print(f"held {len(held)} MiB")
