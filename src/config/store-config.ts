import { isMap, type Node } from 'yaml';
import type { StoreConfig } from './model.js';
import type { Entry, YamlReader } from './yaml-reader.js';

const STORE_KEYS = ['type', 'url', 'server-name', 'block-size', 'claim-seconds'] as const;

export const STORE_DEFAULTS = { blockSize: 256, claimSeconds: 30 } as const;

/**
 * `store:` in the configuration file: `embedded` (default), `postgres`, or a mapping
 * `{type: postgres, url, server-name, block-size, claim-seconds}`.
 */
export function readStore(r: YamlReader, entry: Entry | undefined): StoreConfig | undefined {
  if (!entry) return undefined;
  const node = r.deref(entry.node);
  if (node && !isMap(node)) {
    const kind = r.string(node, entry.field, entry.keyAt);
    return kind ? storeKind(r, node, entry.field, kind.value) : undefined;
  }
  const entries = r.entries(node, entry.field, STORE_KEYS, entry.keyAt);
  if (!entries) return undefined;
  const e = new Map(entries.map((x) => [x.key, x]));
  const typeEntry = e.get('type');
  if (!typeEntry) {
    r.issues.add(r.place(node, entry.field), 'missing `type` (embedded or postgres)');
    return undefined;
  }
  const type = r.string(typeEntry.node, typeEntry.field, typeEntry.keyAt);
  const base = type ? storeKind(r, typeEntry.node, typeEntry.field, type.value) : undefined;
  if (!base) return undefined;
  if (base.kind === 'embedded') {
    for (const k of ['url', 'server-name', 'block-size', 'claim-seconds']) {
      const x = e.get(k);
      if (x) r.issues.add(r.place(x.node, x.field), `\`${k}\` applies only to type postgres`);
    }
    return base;
  }
  const url = e.get('url');
  const name = e.get('server-name');
  const block = e.get('block-size');
  const claim = e.get('claim-seconds');
  const urlValue = url ? r.string(url.node, url.field, url.keyAt) : undefined;
  if (urlValue && !/^postgres(ql)?:\/\//.test(urlValue.value)) {
    r.issues.add(r.place(url!.node, url!.field), 'expected a postgres:// or postgresql:// URL');
  }
  const nameValue = name ? r.string(name.node, name.field, name.keyAt) : undefined;
  if (nameValue && !/^[A-Za-z0-9._:@/-]{1,100}$/.test(nameValue.value)) {
    r.issues.add(r.place(name!.node, name!.field), 'expected 1-100 characters of letters, digits and . _ : @ / -');
  }
  const blockValue = block ? r.integer(block.node, block.field, 1, 1 << 20, block.keyAt) : undefined;
  const claimValue = claim ? r.integer(claim.node, claim.field, 3, 3600, claim.keyAt) : undefined;
  return {
    kind: 'postgres',
    ...(urlValue ? { url: urlValue.value } : {}),
    ...(nameValue ? { serverName: nameValue.value } : {}),
    blockSize: blockValue?.value ?? STORE_DEFAULTS.blockSize,
    claimSeconds: claimValue?.value ?? STORE_DEFAULTS.claimSeconds,
  };
}

function storeKind(r: YamlReader, node: Node | null, field: string, kind: string): StoreConfig | undefined {
  if (kind === 'embedded') return { kind: 'embedded' };
  if (kind === 'postgres') return { kind: 'postgres', blockSize: STORE_DEFAULTS.blockSize, claimSeconds: STORE_DEFAULTS.claimSeconds };
  r.issues.add(r.place(node, field), `unknown store ${JSON.stringify(kind)}: expected embedded or postgres`);
  return undefined;
}
