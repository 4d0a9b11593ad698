# Sourced by the benchmark scripts: the rows of a results file's "Machine"
# table that every benchmark shares, so that all results name the machine alike.
machine_rows() {
    echo "| CPUs (\`nproc\`) | $(nproc) |"
    echo "| CPU model | $(lscpu | sed -n 's/^Model name: *//p' | head -1) |"
    echo "| memory (\`free -h\` total) | $(free -h | awk '/^Mem:/ { print $2 }') |"
    echo "| kernel | $(uname -r) |"
}
