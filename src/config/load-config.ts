import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config-error.js';
import type { ServerConfig } from './model.js';
import { loadPoolDir } from './pool-dir.js';
import { loadConfigFile } from './yaml-config.js';

export interface ConfigSources {
  /** `--config FILE`: a YAML or JSON file. */
  configFile?: string;
  /** `-D/--pooldir DIR`: the seed's pool directory. */
  poolDir?: string;
}

/** Chooses the loader: the file, the pool directory, or the built-in default when neither is given. */
export function loadConfig(sources: ConfigSources): ServerConfig {
  if (sources.configFile !== undefined && sources.poolDir !== undefined) {
    throw ConfigError.at({ file: sources.configFile }, 'give either --config or --pooldir, not both');
  }
  if (sources.configFile !== undefined) return loadConfigFile(sources.configFile);
  if (sources.poolDir !== undefined) return loadPoolDir(sources.poolDir);
  return loadConfigFile(defaultConfigPath());
}

/** The package root: the nearest directory above this module that holds package.json. */
export function packageRoot(): string {
  // Compiled, this file is dist/src/config/load-config.js; walking up also works from src/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('hydra: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** `examples/default.yaml` in the package: the quick-start configuration. */
export function defaultConfigPath(): string {
  return join(packageRoot(), 'examples', 'default.yaml');
}
