// Package targets turns what the user asked to scan into a stream of IPv4
// addresses: the first stage of the pipeline, deciding what camsweep may touch.
//
// # Tokens
//
// A target token is a single address (198.18.1.7), a CIDR (198.18.1.0/24;
// host bits are refused, as in the zones file: 198.18.1.7/24 is a typo or a
// host with its netmask, and widening it to the /24 would probe 254 hosts
// nobody named), a range
// (198.18.1.10-198.18.2.5, or the last-octet short form 198.18.1.10-40), or
// an nmap-style octet range (198.18.1-3.0-255, where * is 0-255). Octets are
// decimal without leading zeros, because inet_aton would read 010 as octal
// and the two readings must never silently differ. Hostnames and IPv6 are
// refused with a clear error rather than ignored. Lists (ReadList) hold
// tokens separated by white space or commas, with # comments; every error
// names the token and where it came from (targets.txt:12).
//
// # Why intervals
//
// A /8 is 16,777,216 addresses and 0.0.0.0/0 is 2^32, so targets are never
// materialised. Build reduces includes to a sorted list of disjoint,
// non-adjacent uint32 intervals, subtracts the built-in never-probe ranges
// (0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 — the engine sends multicast
// discovery itself — and 240.0.0.0/4 with 255.255.255.255), the network and
// broadcast addresses of every include CIDR of length /30 or shorter (a
// directed broadcast makes every host on the segment answer), and the user's
// excludes. Memory is proportional to the number of tokens, not addresses,
// and bounded: the includes together, and the excludes together, may expand
// to at most MaxIntervals (65,536) separate ranges before merging, and
// ReadList stops reading a list at that bound.
// With a prefix sum of interval sizes, the i-th address of the set is found
// by binary search in O(log intervals), which is what lets an iterator visit
// the set in any order without a list of addresses. Every address removed is
// accounted for in Skipped, and a target the user named explicitly that ends
// up with nothing left to probe is reported by name: nothing is skipped
// silently.
//
// # Why a permutation
//
// Probing neighbouring addresses back to back hammers one segment, one
// switch and one firewall at a time, and embedded cameras fall over under
// bursts. With Shuffle, an Iterator walks the indices [0, Count) through a
// keyed pseudo-random permutation — a balanced Feistel network over the
// smallest even number of bits that covers Count, cycle-walked back into
// range — computed one index at a time: no memory grows with the range, and
// Next never allocates. The same seed over the same set gives the same order,
// so a sweep is reproducible, and --shard k/n hands each of n jump hosts a
// contiguous block of permuted positions: the shards are disjoint, their
// union is the whole set, and each is itself spread across the whole range.
// Every jump host must be given the same targets, excludes and seed.
package targets
