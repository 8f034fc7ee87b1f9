import type { Lease } from '../../engine/types.js';

/** Something in an input file that was not imported: the 1-based line and what is wrong. */
export interface Problem {
  line: number;
  message: string;
}

/**
 * What a format parser read. `lines[i]` is the line where `leases[i]` was written, so later
 * steps (subnet mapping) can still point at the file. Every record left out has a problem.
 */
export interface ParseResult {
  leases: Lease[];
  lines: number[];
  problems: Problem[];
}

/** A lease format: its name on the command line and its parser. */
export type LeaseParser = (text: string) => ParseResult;
