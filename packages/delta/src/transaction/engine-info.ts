// The default engineInfo written in every commitInfo, "shori-delta/<package version>", used when
// the caller names no engine of its own (TableOptions.engineInfo).
import pkg from '../../package.json' with { type: 'json' };

export const DEFAULT_ENGINE_INFO = `shori-delta/${(pkg as { version: string }).version}`;
