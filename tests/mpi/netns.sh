# tests/mpi/netns.sh: several "hosts" on one machine for mpirun, sourced by
# the MPI tests. netns_up N makes network namespaces $NS-h1..hN, each with
# one address 10.$NET.$i on a bridge that lives in a namespace of its own
# ($NS-hub): nothing is added to the machine's own network. $TMP/rsh is the
# ssh stand-in Open MPI launches its daemons with (plm_rsh_agent): it runs
# the command inside the namespace that owns the host's address. mpirun
# itself runs in $NS-h1 (or $MPI_HOST), whose address the daemons call back to. Each host
# has its own host name too (a UTS namespace): Open MPI tells nodes apart
# by name, and with one name for all a second job hung at start.
# netns_down (trapped on exit) kills what runs in them and removes them.
NS=srch$$
NET=$(( ($$ % 200) + 20 )).$(( ($$ / 200) % 250 ))
SUBNET=10.$NET.0/24
NHOSTS=0

netns_down() {
    for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS-"); do
        ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del "$n" 2>/dev/null
    done
}

# Namespaces an earlier run left (its shell killed before its trap ran):
# those of a srchPID whose process is gone.
netns_sweep() {
    for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^srch[0-9]+-'); do
        p=${n#srch}; p=${p%%-*}
        kill -0 "$p" 2>/dev/null && continue
        ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del "$n" 2>/dev/null
    done
}

netns_up() {
    netns_sweep
    ip netns add "$NS-hub" && ip -n "$NS-hub" link add br0 type bridge && ip -n "$NS-hub" link set br0 up || return 1
    for i in $(seq "$1"); do
        ip netns add "$NS-h$i" &&
            ip -n "$NS-hub" link add "e$i" type veth peer name eth0 netns "$NS-h$i" &&
            ip -n "$NS-hub" link set "e$i" master br0 up &&
            ip -n "$NS-h$i" addr add "10.$NET.$i/24" dev eth0 &&
            ip -n "$NS-h$i" link set eth0 up && ip -n "$NS-h$i" link set lo up || return 1
    done
    NHOSTS=$1
    cat >"$TMP/rsh" <<RSH
#!/bin/sh
# ssh stand-in: [options] HOST COMMAND... run in the namespace owning HOST
while [ "\${1#-}" != "\$1" ]; do shift; done
host=\$1; shift
# a host name of its own too: Open MPI tells nodes apart by their names
exec ip netns exec "$NS-h\${host##*.}" unshare --uts /bin/sh -c "hostname $NS-h\${host##*.} && \$*"
RSH
    chmod +x "$TMP/rsh"
}

# hostfile FILE FIRST LAST: hosts FIRST..LAST, one slot each
hostfile() { : >"$1"; for i in $(seq "$2" "$3"); do echo "10.$NET.$i slots=1" >>"$1"; done; }

# run_mpi SECONDS HOSTFILE NP COMMAND...: mpirun across the namespaces,
# bounded in time (the whole job is killed past it); mpirun itself runs on
# host $MPI_HOST (1 unless set), which must be the hostfile's first
run_mpi() {
    secs=$1 hf=$2 np=$3 mh=${MPI_HOST:-1}; shift 3
    timeout -k 5 "$secs" ip netns exec "$NS-h$mh" unshare --uts /bin/sh -c 'hostname "$0" && exec "$@"' "$NS-h$mh" \
        mpirun --allow-run-as-root --hostfile "$hf" -np "$np" \
        --mca plm_rsh_agent "$TMP/rsh" --mca plm_rsh_no_tree_spawn 1 \
        --mca btl self,tcp --mca btl_tcp_if_include "$SUBNET" --mca oob_tcp_if_include "$SUBNET" \
        --mca btl_tcp_disable_family 6 --mca mpi_yield_when_idle 1 \
        -x ASAN_OPTIONS=detect_leaks=0 -x PATH "$@" # leaks: Open MPI keeps what it allocates till exit
}
