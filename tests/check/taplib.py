"""taplib.py — TAP output and running commands, for the Python tests of tests/check/."""
import subprocess

count = 0    # results printed
failures = 0


def result(ok, name, diag='', lines=20):
    """Prints "ok N - NAME" or "not ok N - NAME" and the first lines of diag as comments."""
    global count, failures
    count += 1
    print(f'{"ok" if ok else "not ok"} {count} - {name}')
    if not ok:
        failures += 1
        for line in str(diag).splitlines()[:lines]:
            print(f'# {line}')


def run(*args):
    """Runs a command; returns (exit status, stdout, stderr)."""
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def exit_status():
    return 1 if failures else 0
