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

Replays a pcap or pcapng capture (a file, or "-" for stdin) through a fresh
conntrack on a virtual clock driven by the packet times.

Output (stdout):
  --events               print events as they happen, as "conntrack -E" does, and the
                         expectation events "conntrack -E expect" prints, merged in order
                           ctrack replay cap.pcap --events
  -o, --output FLAGS     conntrack's -o: timestamp,id,extended (timestamps are packet times)
                           ctrack replay cap.pcap --events -o timestamp,id
  --list                 print the table at the end, as "conntrack -L"
                           ctrack replay cap.pcap --list
  --list-expect          print the expectations at the end, as "conntrack -L expect"
                           ctrack replay cap.pcap --list-expect
  --stats                print the counters at the end, as "conntrack -S"
                           ctrack replay cap.pcap --stats
  --trace                one line per packet: number, time, path, addresses, protocol,
                         ct state (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, _REPLY),
                         the TCP state after it, and why a packet was invalid
                           ctrack replay cap.pcap --trace --local 198.18.0.2
  --json                 every output as JSON lines
                           ctrack replay cap.pcap --events --stats --json

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
  -h, --help             show this help

A summary goes to stderr. Exit status: 0 ok; 1 the replay ended early: a truncated
or corrupt capture, or a module's hook threw ("module NAME: CODE: message"; all
packets before are processed and printed); 2 bad usage, unknown helper, or a module
that cannot load.
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
