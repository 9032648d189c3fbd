#!/usr/bin/env bash
# Installs the real peers the tests use (fail2ban's corpus, sshd, nftables, ipset, iptables, sshpass,
# Debian's chromium for the web UI tests, driven by playwright-core — never a downloaded browser)
# when they are missing. Idempotent and quiet; needs root (apt-get), as CI and the dev machines have.
set -euo pipefail
need=()
command -v fail2ban-regex >/dev/null 2>&1 || need+=(fail2ban)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v ipset >/dev/null 2>&1 || need+=(ipset)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v sshpass >/dev/null 2>&1 || need+=(sshpass)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v getfattr >/dev/null 2>&1 || need+=(attr)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing ${need[*]}; run as root or install them: apt-get install -y ${need[*]}" >&2
  exit 0
fi
echo "install-test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
