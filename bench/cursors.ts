// Cursors for DeepPage, taken from the users list itself: the list is walked from its start,
// 100 users a page (the DeepPage document with first: 100), and a uniform random sample of its
// edges' cursors is kept (reservoir sampling with the bench's deterministic PRNG, so the same
// list gives the same sample). Random depths: a page after a sampled cursor starts anywhere in the
// list. The list's last cursor is added at the end, so the checks and the load also ask for the
// page past the end (empty, hasNextPage false).
import { prng } from './common.ts';
import { post } from './equivalence.ts';
import { body } from './operations.ts';

const WALK_PAGE = 100;

interface WalkPage {
  users?: { edges: { cursor: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

export async function walkUserCursors(origin: string, sample = 256, seed = 4_242): Promise<string[]> {
  const rand = prng(seed);
  const kept: string[] = [];
  let seen = 0;
  let after: string | null = null;
  let last: string | null = null;
  for (;;) {
    const res = await post(origin, body('DeepPage', { first: WALK_PAGE, after }));
    const page = (res.data as WalkPage | undefined)?.users;
    if (res.status !== 200 || res.errors || !page) throw new Error(`walking the users list at ${origin} failed after ${seen} users: ${JSON.stringify(res.errors ?? res.status)}`);
    for (const { cursor } of page.edges) {
      seen++;
      if (kept.length < sample) kept.push(cursor);
      else {
        const j = Math.floor(rand() * seen);
        if (j < sample) kept[j] = cursor;
      }
      last = cursor;
    }
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    after = page.pageInfo.endCursor;
  }
  if (last !== null) kept.push(last);
  return kept;
}
