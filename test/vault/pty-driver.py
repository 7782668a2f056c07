#!/usr/bin/env python3
"""Runs a program on a fresh pseudo-terminal and types into it only when told what to wait for.

A test driver, not a timer: every step waits until the program has *printed* a given text, so
the outcome does not depend on how fast the machine is. The only clock is a safety deadline that
turns a hung program into a failure instead of a hung test.

Usage: pty-driver.py SPEC_JSON. SPEC:
  argv     the program and its arguments
  early    (optional) text typed before the program starts: the driver writes it to the terminal,
           waits until the terminal has taken it (its echo is back), then starts the program, so it
           sits in the terminal's input queue when the program begins (a user who types too soon)
  steps    list of {"expect": TEXT, "send": TEXT (optional), "limits": true (optional)}:
           wait until TEXT appears in the output after the previous step's match, then record
           /proc/PID/limits if asked, then type `send`
  deadline (optional) seconds before the driver gives up (default 300)
Prints JSON: {"code": exit status or -signal, "output": all terminal output (latin-1 text),
"marks": output offset just after each step's match, "limits": {step index: text}, "error": text}.
"""
import fcntl
import json
import os
import select
import subprocess
import sys
import termios
import time


def main() -> None:
    spec = json.loads(sys.argv[1])
    deadline = time.monotonic() + float(spec.get("deadline", 300))
    master, slave = os.openpty()
    out = bytearray()
    result = {"code": None, "output": "", "marks": [], "limits": {}, "error": None}

    def read_some() -> bool:
        """Reads what the terminal has; False at end of output (the program closed the terminal)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        ready, _, _ = select.select([master], [], [], left)
        if not ready:
            raise TimeoutError("deadline passed")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every slave descriptor is closed
            return False
        if not chunk:
            return False
        out.extend(chunk)
        return True

    def wait_for(text: bytes, start: int) -> int:
        while True:
            i = out.find(text, start)
            if i >= 0:
                return i + len(text)
            if not read_some():
                raise EOFError(f"the program ended before printing {text!r}")

    child = None
    try:
        early = spec.get("early")
        if early:
            os.write(master, early.encode())
            pos = 0  # the terminal echoes each line as it takes it: once all are back, all are queued
            for line in early.replace("\r", "\n").split("\n"):
                if line:
                    pos = wait_for(line.encode(), pos)

        def controlling_tty() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        child = subprocess.Popen(spec["argv"], stdin=slave, stdout=slave, stderr=slave, start_new_session=True, preexec_fn=controlling_tty, close_fds=True)
        os.close(slave)
        slave = -1
        pos = len(out)
        for i, step in enumerate(spec.get("steps", [])):
            pos = wait_for(step["expect"].encode(), pos)
            result["marks"].append(pos)
            if step.get("limits"):
                with open(f"/proc/{child.pid}/limits") as f:
                    result["limits"][str(i)] = f.read()
            if "send" in step:
                os.write(master, step["send"].encode())
        while read_some():
            pass
        left = max(0.0, deadline - time.monotonic())
        result["code"] = child.wait(timeout=left)
    except (TimeoutError, EOFError, subprocess.TimeoutExpired) as e:
        result["error"] = str(e)
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    if result["code"] is None and child is not None:
        result["code"] = child.returncode
    result["output"] = out.decode("latin-1")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
