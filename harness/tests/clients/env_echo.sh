#!/bin/sh
# Reports the protocol's environment as LOG lines (and whether the
# kubeconfig names LWC_SERVER), then serves an empty store.
for v in KUBECONFIG LWC_SERVER LWC_API_PATH LWC_RESOURCE LWC_NAMESPACE LWC_COLLECTION LWC_PAGE_SIZE \
         LWC_LABEL_SELECTOR LWC_WATCH_LIST LWC_SCENARIO; do
  eval "val=\${$v-(unset)}"
  printf '{"type":"LOG","level":"info","message":"%s=%s"}\n' "$v" "$val"
done
if grep -q "server: $LWC_SERVER" "$KUBECONFIG"; then k=yes; else k=no; fi
printf '{"type":"LOG","level":"info","message":"kubeconfig-names-server=%s"}\n' "$k"
# READY means "my store holds a complete list": list once, for real, first.
list_once() {
  python3 -c 'import os, urllib.request as u; u.urlopen(os.environ["LWC_SERVER"] + os.environ["LWC_COLLECTION"]).read()'
}
list_once || exit 1
echo '{"type":"READY"}'
while IFS= read -r line; do
  case "$line" in
    DUMP\ *) printf '{"type":"SNAPSHOT","seq":%s,"items":[]}\n' "${line#DUMP }" ;;
    STOP) exit 0 ;;
  esac
done
