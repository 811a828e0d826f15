#!/usr/bin/env bash
# Record one conformance scenario against the running kernel's conntrack.
#
#   sudo tooling/conformance/record.sh NAME [OUTDIR]
#
# OUTDIR defaults to tooling/conformance/fixtures/NAME. Needs root and the Debian
# packages conntrack, nftables, tcpdump, iproute2, ethtool, python3-scapy,
# python3-pyftpdlib. See README.md for the fixture format.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
SCEN="$HERE/scenarios.py"

die() { echo "record.sh: $*" >&2; exit 1; }

[[ $# -ge 1 ]] || die "usage: record.sh NAME [OUTDIR]   (names: $PY $SCEN list)"
NAME="$1"
OUT="${2:-$HERE/fixtures/$NAME}"

# ------------------------------------------------------------------ prerequisites
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, nftables, conntrack)"
need() { command -v "$1" >/dev/null 2>&1 || die "missing '$1': apt-get install -y $2"; }
need ip iproute2
need conntrack conntrack
need nft nftables
need tcpdump tcpdump
need ethtool ethtool
need ping iputils-ping
[[ -x $PY ]] || die "missing $PY: apt-get install -y python3"
$PY -c 'import scapy.all' 2>/dev/null || die "python module scapy missing for $PY: apt-get install -y python3-scapy"
ALL_NAMES="$($PY "$SCEN" list)" || die "scenarios.py does not run"
grep -qx -- "$NAME" <<<"$ALL_NAMES" || die "unknown scenario '$NAME' (names: $PY $SCEN list)"
if [[ $NAME == ftp-* ]]; then
  $PY -c 'import pyftpdlib' 2>/dev/null || die "python module pyftpdlib missing for $PY: apt-get install -y python3-pyftpdlib"
fi

eval "$($PY "$SCEN" info "$NAME")"

# ------------------------------------------------------------------ names
TAG="ctrk-$$"
CLI="$TAG-cli"
SRV="$TAG-srv"
CLI_IF=veth-cli
SRV_IF=veth-srv
CLI_MAC=02:00:c6:12:00:01
SRV_MAC=02:00:c6:12:00:02
WORK="$(mktemp -d /tmp/ctrk-rec.XXXXXX)"
export CTRK_CLI_IF=$CLI_IF CTRK_SRV_IF=$SRV_IF CTRK_CLI_MAC=$CLI_MAC CTRK_SRV_MAC=$SRV_MAC CTRK_WORK=$WORK

PIDS=()          # background processes we started (killed by pid on exit)
TCPDUMP_PID="" EV_PID="" EXP_PID=""

cleanup() {
  local rc=$?
  set +e
  for p in $EV_PID $EXP_PID $TCPDUMP_PID; do kill -INT "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns del "$CLI" 2>/dev/null
  ip netns del "$SRV" 2>/dev/null
  rm -rf "$WORK"
  [[ $rc -eq 0 ]] || echo "record.sh: $NAME FAILED (rc=$rc)" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_cli() { ip netns exec "$CLI" "$@"; }
in_srv() { ip netns exec "$SRV" "$@"; }

bg() {  # bg LOGFILE cmd... : start in background, remember pid
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}

wait_for() {  # wait_for FILE_OR_TEST SECONDS
  local what=$1 t=${2:-20} i=0
  while ! eval "$what"; do
    sleep 0.1; i=$((i + 1))
    [[ $i -lt $((t * 10)) ]] || die "timeout waiting for: $what"
  done
}

# ------------------------------------------------------------------ topology
ip netns add "$CLI"
ip netns add "$SRV"
V6=0
[[ $SC_FAMILY == ipv4 ]] || V6=1
for ns in "$CLI" "$SRV"; do
  if [[ $V6 == 0 ]]; then
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  else
    # IPv6 on, quiet: no DAD, no router solicitations or RA processing, no link-local
    # address (only 2001:db8::/32 on the wire), MLD reports over within ~20 ms of link up
    for c in all default; do
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.disable_ipv6=0
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.accept_dad=0
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.accept_ra=0
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.router_solicitations=0
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.addr_gen_mode=1
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.mldv2_unsolicited_report_interval=10
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.mldv1_unsolicited_report_interval=10
    done
  fi
  ip netns exec "$ns" ip link set lo up
done
in_cli ip link add "$CLI_IF" address "$CLI_MAC" type veth peer name "$SRV_IF" address "$SRV_MAC" netns "$SRV"
in_cli ip addr add 198.18.0.1/24 dev "$CLI_IF"
in_srv ip addr add 198.18.0.2/24 dev "$SRV_IF"
if [[ $V6 == 1 ]]; then
  in_cli ip -6 addr add 2001:db8::1/64 dev "$CLI_IF" nodad
  in_srv ip -6 addr add 2001:db8::2/64 dev "$SRV_IF" nodad
fi
# no offloads: every packet in the pcap is a real wire packet with a correct checksum
for spec in "$CLI:$CLI_IF" "$SRV:$SRV_IF"; do
  ip netns exec "${spec%%:*}" ethtool -K "${spec#*:}" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
done
in_cli ip link set "$CLI_IF" up
in_srv ip link set "$SRV_IF" up
# static neighbours: no ARP in the capture
in_cli ip neigh replace 198.18.0.2 lladdr "$SRV_MAC" dev "$CLI_IF" nud permanent
in_srv ip neigh replace 198.18.0.1 lladdr "$CLI_MAC" dev "$SRV_IF" nud permanent
if [[ $V6 == 1 ]]; then
  in_cli ip -6 neigh replace 2001:db8::2 lladdr "$SRV_MAC" dev "$CLI_IF" nud permanent
  in_srv ip -6 neigh replace 2001:db8::1 lladdr "$CLI_MAC" dev "$SRV_IF" nud permanent
fi
wait_for "in_cli ip -br link show $CLI_IF | grep -q UP" 5
[[ $V6 == 0 ]] || sleep 0.5   # the link-up MLD reports are sent before the capture starts

# client-side nft (no conntrack rules there; e.g. drop own RSTs for crafted TCP)
if [[ -n $SC_CLI_NFT ]]; then
  printf 'table inet ctrkcli {\n %s\n}\n' "$SC_CLI_NFT" | in_cli nft -f -
fi

# ------------------------------------------------------------------ server part
if [[ $SC_SERVER == 1 ]]; then
  bg "$WORK/server.log" ip netns exec "$SRV" $PY "$SCEN" server "$NAME"
  wait_for "[[ -e $WORK/server-ready ]]" 20
fi
if [[ $SC_MIDSTREAM == 1 ]]; then
  # connection established before conntrack exists in the observer
  bg "$WORK/client.log" ip netns exec "$CLI" $PY "$SCEN" client "$NAME"
  CLIENT_PID=$LAST_PID
  wait_for "[[ -e $WORK/ready ]]" 20
fi

# ------------------------------------------------------------------ observer: conntrack users
in_srv nft -f - <<'EOF'
table inet ctrk {
	ct helper ftp-std {
		type "ftp" protocol tcp;
		l3proto inet;
	}
	ct helper tftp {
		type "tftp" protocol udp;
		l3proto inet;
	}
	chain prerouting {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 21 ct helper set "ftp-std"
		udp dport 69 ct helper set "tftp"
		ct state new counter
		ct state established counter
		ct state related counter
		ct state invalid counter
		ct state untracked counter
	}
	chain output {
		type filter hook output priority filter; policy accept;
		ct state new counter
		ct state established counter
		ct state related counter
		ct state invalid counter
		ct state untracked counter
	}
}
EOF

declare -A SYSCTL_VAL=()
for kv in $SC_SYSCTLS; do
  in_srv sysctl -qw "$kv"
  k=${kv%%=*}
  SYSCTL_VAL[$k]="$(in_srv sysctl -n "$k")"
done

# listeners before traffic
mkdir -p "$OUT"
rm -f "$OUT"/{capture.pcap,events.txt,expect-events.txt,list.txt,list-expect.txt,stats.txt,stats-expect.txt,nft.txt,snmp.txt,meta.json}
ip netns exec "$SRV" tcpdump -Z root -i "$SRV_IF" -w "$OUT/capture.pcap" -U -s 0 -n >"$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!; PIDS+=($TCPDUMP_PID)
ip netns exec "$SRV" conntrack -E -o timestamp,id >"$OUT/events.txt" 2>"$WORK/events.err" &
EV_PID=$!; PIDS+=($EV_PID)
ip netns exec "$SRV" conntrack -E expect -o timestamp >"$OUT/expect-events.txt" 2>"$WORK/expect.err" &
EXP_PID=$!; PIDS+=($EXP_PID)
wait_for "grep -qs 'listening on' $WORK/tcpdump.log" 10
sleep 1

# ------------------------------------------------------------------ traffic
T_START=$(date +%s.%N)
if [[ $SC_MIDSTREAM == 1 ]]; then
  touch "$WORK/go"
  wait "$CLIENT_PID" || die "client failed: $(cat "$WORK/client.log")"
elif [[ $SC_HOLD == 1 ]]; then
  # client keeps its connections open; it is killed (by pid) after the listing
  bg "$WORK/client.log" ip netns exec "$CLI" $PY "$SCEN" client "$NAME"
  wait_for "[[ -e $WORK/client-hold ]] || ! kill -0 $LAST_PID 2>/dev/null" 30
  [[ -e $WORK/client-hold ]] || die "client failed: $(cat "$WORK/client.log")"
elif [[ $SC_OBSERVER == 1 ]]; then
  in_srv $PY "$SCEN" observer "$NAME" >"$WORK/client.log" 2>&1 || die "observer part failed: $(cat "$WORK/client.log")"
else
  in_cli $PY "$SCEN" client "$NAME" >"$WORK/client.log" 2>&1 || die "client failed: $(cat "$WORK/client.log")"
fi
T_TRAFFIC_END=$(date +%s.%N)
sleep "$SC_POST_WAIT"
sleep 1   # let the last events be delivered

# ------------------------------------------------------------------ final state
T_LIST=$(date +%s.%N)
in_srv conntrack -L -o id >"$OUT/list.txt" 2>/dev/null || true
in_srv conntrack -L expect >"$OUT/list-expect.txt" 2>/dev/null || true
in_srv conntrack -S >"$OUT/stats.txt"
in_srv conntrack -S expect >"$OUT/stats-expect.txt" 2>/dev/null || true
in_srv nft list ruleset >"$OUT/nft.txt"
in_srv cat /proc/net/snmp /proc/net/netstat >"$OUT/snmp.txt"
[[ $V6 == 0 ]] || in_srv cat /proc/net/snmp6 >>"$OUT/snmp.txt"

for p in $EV_PID $EXP_PID $TCPDUMP_PID; do kill -INT "$p" 2>/dev/null || true; done
for p in $EV_PID $EXP_PID $TCPDUMP_PID; do wait "$p" 2>/dev/null || true; done
EV_PID="" EXP_PID="" TCPDUMP_PID=""

# ------------------------------------------------------------------ meta.json
SYSCTL_JSON="{"
first=1
for k in "${!SYSCTL_VAL[@]}"; do
  [[ $first == 1 ]] || SYSCTL_JSON+=","
  SYSCTL_JSON+="\"$k\":\"${SYSCTL_VAL[$k]}\""
  first=0
done
SYSCTL_JSON+="}"
SCMETA="$($PY "$SCEN" meta "$NAME")"
$PY - "$NAME" "$OUT" "$SRV_IF" "$SYSCTL_JSON" "$T_START" "$T_TRAFFIC_END" "$T_LIST" "$SC_POST_WAIT" "$SCMETA" <<'PYEOF'
import json, os, sys, datetime
name, out, iface, sysctls, t0, t1, tl, pw, scmeta = sys.argv[1:]
sc = json.loads(scmeta)
sysctls = json.loads(sysctls)
fam = sc["family"]
local = {"ipv4": ["198.18.0.2"], "ipv6": ["2001:db8::2"], "both": ["198.18.0.2", "2001:db8::2"]}[fam]
client = {"ipv4": "198.18.0.1", "ipv6": "2001:db8::1", "both": ["198.18.0.1", "2001:db8::1"]}[fam]
meta = {
    "name": name,
    "description": sc["description"],
    "kernel": os.uname().release,
    "recorded": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "observer": "srv",
    "family": fam,
    "local": local,
    "client": client,
    "interface": iface,
    "linktype": "EN10MB",
    "sysctls": dict(sorted(sysctls.items())),
    "helpers": [{"name": "ftp", "proto": "tcp", "port": 21}, {"name": "tftp", "proto": "udp", "port": 69}],
    "expect": sc["expect"],
    "traffic_start": round(float(t0), 6),
    "traffic_end": round(float(t1), 6),
    "post_wait": float(pw),
    "listed_at": round(float(tl), 6),
    "hz": 250,
    "conntrack_tools": "1.4.7",
}
with open(os.path.join(out, "meta.json"), "w") as f:
    json.dump(meta, f, indent=2)
    f.write("\n")
PYEOF

echo "record.sh: $NAME -> $OUT ($(wc -l <"$OUT/events.txt") events, $(wc -l <"$OUT/expect-events.txt") expect events)"
