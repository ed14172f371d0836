"""A Secret Service for tests: a session bus of its own and gnome-keyring on it, its login
keyring (in FOLDER) unlocked. Prints {"address", "pids"} as JSON. Usage: start.py FOLDER

The daemons are started with every other file descriptor closed and their output in files: a
daemon that kept its starter's pipes would keep the caller waiting for their end forever."""
import json
import os
import subprocess
import sys

folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)
with open(os.path.join(folder, "bus"), "w") as out:
    subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1", "--nopidfile"],
                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL, check=True, timeout=10)
address, bus_pid = open(os.path.join(folder, "bus")).read().split()[:2]
environment = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address, XDG_DATA_HOME=os.path.join(folder, "data"))
with open(os.path.join(folder, "keyring"), "w") as out:
    subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"], input=b"test-password",
                   stdout=out, stderr=subprocess.DEVNULL, env=environment, check=True, timeout=10)
keyring_pids = subprocess.run(["pgrep", "-f", "gnome-keyring-daemon --unlock"], capture_output=True, text=True).stdout.split()
print(json.dumps({"address": address, "pids": [int(bus_pid)] + [int(pid) for pid in keyring_pids[-1:]]}))
