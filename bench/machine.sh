# Sourced by the benchmark scripts: the "Machine" heading of a results file
# and the first rows of its table, which every benchmark shares so that all
# results name the machine alike; a script appends its own rows after them.
machine_table() {
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| CPUs (\`nproc\`) | $(nproc) |"
    echo "| CPU model | $(lscpu | sed -n 's/^Model name: *//p' | head -1) |"
    echo "| memory (\`free -h\` total) | $(free -h | awk '/^Mem:/ { print $2 }') |"
    echo "| kernel | $(uname -r) |"
}
