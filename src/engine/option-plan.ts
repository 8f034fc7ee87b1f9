import { bytesEqual } from './bytes.js';

/** One configured option as a reply carries it. */
export type PlannedOption = readonly [code: number, value: Uint8Array];

interface Plan {
  list: Uint8Array;
  options: readonly PlannedOption[];
}

/** Distinct request lists remembered per option set; a flood of odd lists only costs a rebuild. */
const MAX_PLANS = 256;
const plans = new WeakMap<ReadonlyMap<number, Uint8Array>, Map<number, Plan>>();

/**
 * The configured options a reply carries, in reply order: `leading` first, then the codes the
 * client lists in its parameter request list (55) in its order, then the other configured
 * options in configured order; never a code in `managed` (the server fills those itself).
 * Worked out once per (option set, request list) and reused, since the clients of one kind
 * all send the same list: a reply then costs one lookup instead of a dozen set probes.
 */
export function plannedOptions(
  configured: ReadonlyMap<number, Uint8Array>,
  requestList: Uint8Array,
  leading: readonly number[],
  managed: ReadonlySet<number>,
): readonly PlannedOption[] {
  let byList = plans.get(configured);
  if (!byList) plans.set(configured, (byList = new Map()));
  const key = listHash(requestList);
  const known = byList.get(key);
  if (known && bytesEqual(known.list, requestList)) return known.options;
  if (byList.size >= MAX_PLANS) byList.clear();
  const options: PlannedOption[] = [];
  const taken = new Set<number>();
  const add = (code: number): void => {
    if (taken.has(code) || managed.has(code)) return;
    const v = configured.get(code);
    if (v) {
      options.push([code, v]);
      taken.add(code);
    }
  };
  for (const code of leading) add(code);
  for (const code of requestList) add(code);
  for (const code of configured.keys()) add(code);
  byList.set(key, { list: new Uint8Array(requestList), options });
  return options;
}

/** FNV-1a over the list's bytes; a collision is caught by the byte comparison. */
function listHash(list: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < list.length; i++) h = Math.imul(h ^ list[i]!, 0x01000193);
  return h >>> 0;
}
