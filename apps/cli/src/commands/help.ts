export const MAIN_HELP = `Usage: ctrack <command> [options]

Linux netfilter connection tracking, replayed from packet captures.

Commands:
  replay <file|->   run a pcap/pcapng capture through conntrack and print what
                    conntrack-tools would (events, table, statistics)
  modules           list the modules a replay loads and what each registered

Options:
  -h, --help        show this help (ctrack replay --help for the replay options)
  -V, --version     print the version

Examples:
  ctrack replay fixtures/demo.pcap --events --local 198.18.0.2
  tcpdump -i eth0 -w - | ctrack replay - --events -o timestamp
  ctrack modules
`;

export const REPLAY_HELP = `Usage: ctrack replay <file|-> [options]

Replays a pcap or pcapng capture (a file, a FIFO or <(...), or "-" / /dev/stdin for
stdin) through a fresh conntrack on a virtual clock driven by the packet times.

Output (stdout):
  -E, --events           print events as they happen, as "conntrack -E" does, and the
                         expectation events "conntrack -E expect" prints, merged in order
                           ctrack replay cap.pcap --events
  -o, --output FLAGS     conntrack's -o: timestamp,id,extended,ktimestamp (timestamps are
                         packet times; ktimestamp needs --sysctl nf_conntrack_timestamp=1)
                           ctrack replay cap.pcap --events -o timestamp,id
  -L, --list             print the table at the end, as "conntrack -L"
                           ctrack replay cap.pcap --list
  --list-expect          print the expectations at the end, as "conntrack -L expect"
                         (also: -L expect)
                           ctrack replay cap.pcap --list-expect
  -S, --stats            print the counters at the end, as "conntrack -S"
                           ctrack replay cap.pcap --stats
  --stats-expect         print the expectation counters, as "conntrack -S expect"
                         (also: -S expect)
                           ctrack replay cap.pcap --helper ftp -S expect
  -C, --count            print the number of entries at the end, as "conntrack -C"
                         (with filters: the entries they pass; conntrack refuses those)
                           ctrack replay cap.pcap -C -p tcp
  --trace                one line per packet: number, time, path, addresses, protocol,
                         ct state (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, _REPLY),
                         the TCP state after it, and why a packet was invalid
                           ctrack replay cap.pcap --trace --local 198.18.0.2
  --json                 every output as JSON lines
                           ctrack replay cap.pcap --events --stats --json

Filters (conntrack's; on the conn events, --list and --count; all must match):
  -p, --proto PROTO      tcp, udp, icmp, ... or a protocol number
  -s, --src, --orig-src ADDR[/LEN|/MASK]   source of the original direction
  -d, --dst, --orig-dst ADDR[/LEN|/MASK]   destination of the original direction
  -r, --reply-src ADDR   -q, --reply-dst ADDR   the same in the reply direction
  --sport, --orig-port-src PORT   --dport, --orig-port-dst PORT
  --reply-port-src PORT  --reply-port-dst PORT
  --state STATE[,STATE]  the l4 state word (TCP: ESTABLISHED, TIME_WAIT, ...)
  --zone N               conntrack zone
  -m, --mark VALUE[/MASK]
                           ctrack replay cap.pcap --list -p tcp -d 198.18.0.0/16 --state ESTABLISHED

Tracking:
  --local ADDR           an address of this host (repeatable): packets to it take
                         PRE_ROUTING, LOCAL_IN; packets from it LOCAL_OUT, POST_ROUTING;
                         others are forwarded (the default for every packet)
                           ctrack replay cap.pcap --local 198.18.0.2 --local 198.18.0.3
  --sysctl NAME=VALUE    set a net.netfilter knob (repeatable; prefix optional)
                           ctrack replay cap.pcap --sysctl nf_conntrack_acct=1
  --helper NAME[:PORT][/PROTO]
                         assign helper NAME to new connections to PORT, as nft's
                         'PROTO dport PORT ct helper set "NAME"' in prerouting; PORT
                         and PROTO default to the helper's own (ftp 21/tcp); ftp is
                         bundled, any other comes from a --module (repeatable)
                           ctrack replay cap.pcap --helper ftp:2121
                           ctrack replay cap.pcap --module @ctrack/helper-tftp --helper tftp
  --module PATH|PACKAGE  load a third-party module (ESM file, or a package resolved
                         from the current directory first, then from ctrack's own
                         install; default or "module" export a CtModule; repeatable)
                           ctrack replay cap.pcap --module ./my-proto.mjs
  --drain                after the last packet let time run until the table is empty,
                         so every DESTROY event is printed
                           ctrack replay cap.pcap --events --drain
  --until TIME           after the last packet let time run to TIME: +SECONDS after it,
                         or a capture time SEC[.USEC]; what expires by then fires, then
                         --list/--stats show the table at that moment
                           ctrack replay cap.pcap --list --until +60
  --seed N               fix the table's hash key and the conn ids (random otherwise, as
                         in the kernel): the same --list order and ids every run
                           ctrack replay cap.pcap --list -o id --seed 1
  --workers N            shard flows over N worker threads (default 1): both directions,
                         fragments, FTP/TFTP data with their control connection and ICMP
                         errors with the flow they quote stay on one worker; the output
                         is byte for byte one thread's. Not exact when a table is full:
                         nf_conntrack_max applies to each worker's table, and an early
                         drop evicts from that table only
                           ctrack replay cap.pcap --events --workers 2
  -h, --help             show this help

A summary goes to stderr: packets, what was skipped (IPv6, non-IP), cut by the
snaplen, dropped before conntrack and INVALID (by reason), with a hint when the
capture itself is the likely cause. Exit status: 0 ok; 1 the replay ended early: an
unreadable, truncated or corrupt capture, or a module's hook threw ("module NAME:
CODE: message"; all packets before are processed and printed); 2 bad usage, unknown
helper, or a module that cannot load.
`;

export const MODULES_HELP = `Usage: ctrack modules [--module PATH]... [--trace] [--json]

Lists the modules a replay loads, in load order, with what each registered
(l3/l4 protocols, hooks, extensions), like lsmod.

  --module PATH|PACKAGE   include a third-party module, as replay does
  --trace         include the replay --trace probe
  --json          one JSON object per module
  -h, --help      show this help

Example:
  ctrack modules --module ./my-proto.mjs
`;
