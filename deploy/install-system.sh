#!/usr/bin/env bash
# Debian packages Jinguo needs: Python venv, bubblewrap + libseccomp (grading sandbox; python3-seccomp for the
# Kubernetes seccomp-profile test), Chromium (browser tests),
# Noto CJK fonts (Chinese charts and certificates), poppler-utils (PDF checks). Installed only when
# running as root on a Debian-like system and only what is missing.
set -euo pipefail
PKGS=(python3 python3-venv python3-dev bubblewrap libseccomp2 python3-seccomp chromium fonts-noto-cjk poppler-utils passwd procps)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "缺少系统软件包 / missing Debian packages: ${missing[*]}" >&2
  echo "请以 root 运行 / run as root: apt-get install ${missing[*]}" >&2
  exit 0
fi
echo "安装系统软件包 / installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
