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
. "$(dirname "$0")/empty_store_lib.sh"
list_once || exit 1
echo '{"type":"READY"}'
serve_empty_store
