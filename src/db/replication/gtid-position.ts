// MariaDB GTID positions as values: parsing, comparing and merging, with no
// database at hand. A position is what @@gtid_binlog_pos, @@gtid_slave_pos
// and @@last_gtid hold: a comma-separated list of domain-server-sequence
// triples ("0-1-42,1-3-7"), at most one per replication domain. Within a
// domain sequence numbers only grow (gtid_strict_mode makes the server
// enforce it), so "has applied" is a per-domain comparison of sequence
// numbers; the server id only says which server wrote the transaction.
// Sequence numbers are 64-bit, hence bigint.

/** One domain's latest transaction. */
export interface Gtid {
  readonly domain: number;
  readonly serverId: number;
  readonly seq: bigint;
}

/** Parsed position: at most one Gtid per domain, in ascending domain order. */
export type GtidPosition = readonly Gtid[];

const TRIPLE = /^(\d{1,10})-(\d{1,10})-(\d{1,20})$/;
const UINT32_MAX = 4294967295;
const UINT64_MAX = 18446744073709551615n;

/**
 * Parses "0-1-42,1-3-7" ('' is the empty position). Throws an error that
 * shows the expected form for anything else; two entries of one domain are
 * merged to the later one.
 */
export function parseGtidPosition(text: string): GtidPosition {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const byDomain = new Map<number, Gtid>();
  for (const part of trimmed.split(',')) {
    const match = TRIPLE.exec(part.trim());
    const gtid = match && { domain: Number(match[1]), serverId: Number(match[2]), seq: BigInt(match[3]!) };
    if (!gtid || gtid.domain > UINT32_MAX || gtid.serverId > UINT32_MAX || gtid.seq > UINT64_MAX) {
      throw new Error(
        `A GTID position is a comma-separated list of domain-server-sequence numbers such as "0-1-42,1-3-7", but got ${JSON.stringify(text)}.`,
      );
    }
    const known = byDomain.get(gtid.domain);
    if (!known || gtid.seq > known.seq) byDomain.set(gtid.domain, gtid);
  }
  return [...byDomain.values()].sort((a, b) => a.domain - b.domain);
}

export function formatGtidPosition(position: GtidPosition): string {
  return position.map((gtid) => `${gtid.domain}-${gtid.serverId}-${gtid.seq}`).join(',');
}

/**
 * True when a server at `applied` has every transaction of `target`: for each
 * domain of `target`, `applied` has reached its sequence number. This is what
 * MASTER_GTID_WAIT(target) waits for on a replica whose gtid_slave_pos is
 * `applied`. The empty target is covered by anything.
 */
export function gtidPositionCovers(applied: string | GtidPosition, target: string | GtidPosition): boolean {
  const have = seqByDomain(applied);
  return asPosition(target).every((gtid) => (have.get(gtid.domain) ?? -1n) >= gtid.seq);
}

/**
 * The position that covers both: per domain, the later entry. A gateway
 * process keeps the merge of every position its writes produced, and a read
 * that must see them all waits for that.
 */
export function mergeGtidPositions(a: string | GtidPosition, b: string | GtidPosition): GtidPosition {
  const merged = new Map<number, Gtid>(asPosition(a).map((gtid) => [gtid.domain, gtid]));
  for (const gtid of asPosition(b)) {
    const known = merged.get(gtid.domain);
    if (!known || gtid.seq > known.seq) merged.set(gtid.domain, gtid);
  }
  return [...merged.values()].sort((x, y) => x.domain - y.domain);
}

/**
 * How many transactions `applied` lacks of `target`, summed over domains.
 * Exact where sequence numbers in a domain have no gaps (one primary writing
 * it, as in an ordinary primary/replica setup); 0 when `applied` covers `target`.
 */
export function transactionsBehind(applied: string | GtidPosition, target: string | GtidPosition): bigint {
  const have = seqByDomain(applied);
  let behind = 0n;
  for (const gtid of asPosition(target)) {
    const missing = gtid.seq - (have.get(gtid.domain) ?? 0n);
    if (missing > 0n) behind += missing;
  }
  return behind;
}

function asPosition(position: string | GtidPosition): GtidPosition {
  return typeof position === 'string' ? parseGtidPosition(position) : position;
}

function seqByDomain(position: string | GtidPosition): Map<number, bigint> {
  return new Map(asPosition(position).map((gtid) => [gtid.domain, gtid.seq]));
}
