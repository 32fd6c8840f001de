#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (Playwright drives /usr/bin/chromium;
# it never downloads a browser of its own), and a Chinese font, without which every Chinese character of
# the screenshots in tests/browser/artifacts/ is an empty box. On Debian as root it installs the
# packages (chromium, fonts-wqy-zenhei) when missing.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if ! { command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }; then need+=(fonts-wqy-zenhei); fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "安装浏览器测试所需软件包：${need[*]}…" >&2
  if [[ " ${need[*]} " == *" chromium "* ]]; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  else
    # the font only makes the screenshots readable: the tests do not depend on it, so a machine whose
    # package sources cannot be reached still runs them
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >&2 ||
      echo "未能安装中文字体 fonts-wqy-zenhei：截图中的中文将显示为方框，测试照常进行。" >&2
  fi
elif [[ " ${need[*]} " == *" chromium "* ]]; then
  echo "找不到 /usr/bin/chromium：请安装 chromium 软件包后再运行浏览器测试。" >&2
  exit 1
else
  echo "未找到中文字体：截图中的中文将显示为方框；请安装 fonts-wqy-zenhei 软件包。" >&2
fi
