# Sourced by the scripted clients that serve an empty store (empty_store.sh,
# env_echo.sh, escaping_helpers.sh): one list, then DUMP answers until STOP.

# READY means "my store holds a complete list": list once, for real, first.
# The system's python3 when there is one: a pyenv shim costs ~300 ms a start,
# which a loaded machine can stretch past a test scenario's READY deadline.
list_once() {
  py=/usr/bin/python3
  [ -x "$py" ] || py=python3
  "$py" -c 'import os, urllib.request as u; u.urlopen(os.environ["LWC_SERVER"] + os.environ["LWC_COLLECTION"]).read()'
}

# Answers every DUMP with an empty store; exits 0 on STOP or end of input.
serve_empty_store() {
  while IFS= read -r line; do
    case "$line" in
      DUMP\ *) printf '{"type":"SNAPSHOT","seq":%s,"items":[]}\n' "${line#DUMP }" ;;
      STOP) exit 0 ;;
    esac
  done
  exit 0
}
