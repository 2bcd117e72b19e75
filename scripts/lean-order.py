"""The symbol order of scripts/lean-build, step 5.

    python3 scripts/lean-order.py BINARY CALLGRIND_DIR ORDER_FILE

Reads callgrind's dumps of BINARY (`--dump-instr=yes`, files `cg.<pid>` and `cg.<pid>.<n>`),
maps every instruction address that ran to the symbol holding it (a function, or a part the
machine function splitter moved out of one, `<name>.cold`), and writes those names to
ORDER_FILE in the order they first ran, followed by the names ORDER_FILE held before that did
not run under callgrind.
"""

import bisect
import glob
import re
import subprocess
import sys


def main() -> None:
    binary, dumps, order_file = sys.argv[1:]
    nm = subprocess.run(["nm", "-S", binary], capture_output=True, text=True, check=True)
    symbols = []
    for line in nm.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            symbols.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    symbols.sort()
    starts = [s[0] for s in symbols]

    def number(path: str) -> tuple:
        return tuple(int(n) for n in re.findall(r"\d+", path.rsplit("/", 1)[1]))

    order, seen = [], set()
    for dump in sorted(glob.glob(f"{dumps}/cg.*"), key=number):
        obj = None
        with open(dump, errors="replace") as f:
            for line in f:
                if line.startswith("ob="):
                    obj = line[3:].strip()
                elif obj == binary and line.startswith("0x"):
                    address = int(line.split()[0], 16)
                    i = bisect.bisect_right(starts, address) - 1
                    if i >= 0 and address < symbols[i][0] + symbols[i][1]:
                        name = symbols[i][2]
                        if name not in seen:
                            seen.add(name)
                            order.append(name)
    ran = len(order)
    with open(order_file) as f:
        for name in f.read().split():
            if name not in seen:
                seen.add(name)
                order.append(name)
    with open(order_file, "w") as f:
        f.write("\n".join(order) + "\n")
    print(f"   {ran} functions ran under callgrind; {len(order) - ran} more from the profile")


if __name__ == "__main__":
    main()
