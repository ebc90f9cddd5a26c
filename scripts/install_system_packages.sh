#!/usr/bin/env bash
# Installs the system packages the full test suite uses: Debian's chromium (browser tests; Playwright
# cannot download its own browser here) and PostgreSQL's server binaries (the store tests run
# against SQLite always and against a PostgreSQL server they start themselves when initdb exists).
# Without root or apt-get it does nothing: those tests then skip with a stated reason.
set -uo pipefail
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != "0" ]; then
    echo "install_system_packages: no apt-get or not root; browser/PostgreSQL tests will skip"
    exit 0
fi
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
    echo "install_system_packages: chromium and postgresql already present"
    exit 0
fi
echo "install_system_packages: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3; do
    if apt-get -o DPkg::Lock::Timeout=300 update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null; then
        echo "install_system_packages: done"
        exit 0
    fi
    echo "install_system_packages: attempt $attempt failed; retrying" >&2
    sleep 5
done
echo "install_system_packages: could not install ${need[*]}; those tests will skip" >&2
exit 0
